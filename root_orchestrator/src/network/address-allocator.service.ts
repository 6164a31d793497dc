import { Injectable } from '@nestjs/common';
import { ConflictError } from '../common/errors/domain-errors';
import { type AddressPool, candidatesAfter, formatPoolAddress, usableCount } from './address-pool';
import { parseIp } from './ip-address';
import type { AddressClaim, AddressOwner } from './network-address.model';
import { NetworkAddressRepository } from './network-address.repository';

/** Candidates looked up per query: one `$in` lookup, then inserts only where it found a gap. */
export const CANDIDATE_WINDOW = 256;
/**
 * At most this many candidates are examined per allocation (256 lookups). A /16 is scanned whole;
 * in a bigger pool, not finding a free address among 65 536 consecutive ones counts as exhausted.
 */
export const MAX_SCANNED = 65_536n;
/**
 * Inserts lost to a concurrent claim of the same address before an allocation gives up (409,
 * "retry"). Only other processes, or requested addresses, can make this allocator lose a race:
 * concurrent allocations in this process start from distinct candidates.
 */
export const MAX_LOST_RACES = 64;

/** 409: every usable address of the pool is claimed. */
export class AddressPoolExhaustedError extends ConflictError {}

interface CursorState {
  /** The address handed out (or reserved for an allocation in flight) last; `network` = none. */
  last: bigint;
}

/**
 * Hands out addresses of a pool: "next free after the cursor", or a requested one. Correctness
 * (never two holders) rests on the unique index alone; the per-pool cursor only decides where to
 * look first. It lives in memory (loaded from `network_pool_cursors` once, saved after each
 * claim) and is moved synchronously when an allocation starts, so concurrent allocations of this
 * process try distinct candidates instead of colliding on the same one.
 */
@Injectable()
export class AddressAllocator {
  private readonly cursors = new Map<string, CursorState>();
  private readonly loading = new Map<string, Promise<CursorState>>();

  constructor(private readonly repository: NetworkAddressRepository) {}

  /**
   * Claims `address` (canonical text, already checked to be usable in `pool`); null when it is
   * held already.
   */
  claimRequested(
    pool: AddressPool,
    address: string,
    owner: AddressOwner,
  ): Promise<AddressClaim | null> {
    return this.repository.tryClaim({ ...owner, family: pool.family, address, pool: pool.cidr });
  }

  /** Claims the next free address after the pool's cursor (wrapping around the pool). */
  async claimNext(pool: AddressPool, owner: AddressOwner): Promise<AddressClaim> {
    const cursor = await this.cursorOf(pool);
    const limit = scanLimit(pool);
    let scanned = 0n;
    let lostRaces = 0;
    while (scanned < limit) {
      const window = candidatesAfter(pool, cursor.last, CANDIDATE_WINDOW);
      const start = window[0];
      if (start === undefined) break;
      // Reserve the first candidate for this allocation before awaiting anything.
      cursor.last = start;
      const texts = window.map((value) => formatPoolAddress(pool, value));
      const taken = await this.repository.takenAmong(pool.family, texts);
      for (const [i, value] of window.entries()) {
        const address = texts[i] as string;
        if (taken.has(address)) continue;
        const claim = await this.repository.tryClaim({
          ...owner,
          family: pool.family,
          address,
          pool: pool.cidr,
        });
        if (claim) {
          this.advance(pool, cursor, start, value);
          await this.saveCursor(pool, cursor);
          return claim;
        }
        if (++lostRaces >= MAX_LOST_RACES) {
          throw new ConflictError(
            `Too many concurrent claims in the address pool ${pool.cidr}; retry`,
          );
        }
      }
      this.advance(pool, cursor, start, window[window.length - 1] as bigint);
      scanned += BigInt(window.length);
    }
    throw new AddressPoolExhaustedError(
      `The address pool ${pool.cidr} is exhausted: no free address among its ${String(
        usableCount(pool),
      )} usable addresses${scanned < usableCount(pool) ? ` (${String(scanned)} examined)` : ''}`,
    );
  }

  /**
   * Up to `count` free addresses, in the order they would be handed out, WITHOUT claiming them
   * (Oakestra's netinfo `available-ip`): another request may take them at any moment.
   */
  async peekFree(pool: AddressPool, count: number): Promise<string[]> {
    const cursor = await this.cursorOf(pool);
    const limit = scanLimit(pool);
    const free: string[] = [];
    let after = cursor.last;
    let scanned = 0n;
    while (free.length < count && scanned < limit) {
      const room = limit - scanned;
      const size = room < BigInt(CANDIDATE_WINDOW) ? Number(room) : CANDIDATE_WINDOW;
      const window = candidatesAfter(pool, after, size);
      const last = window[window.length - 1];
      if (last === undefined) break;
      const texts = window.map((value) => formatPoolAddress(pool, value));
      const taken = await this.repository.takenAmong(pool.family, texts);
      free.push(...texts.filter((t) => !taken.has(t)).slice(0, count - free.length));
      after = last;
      scanned += BigInt(window.length);
    }
    return free;
  }

  /**
   * Moves the cursor to `reached` unless a concurrent allocation already moved it further (ring
   * order, measured from this allocation's `start`): it only goes forward.
   */
  private advance(pool: AddressPool, cursor: CursorState, start: bigint, reached: bigint): void {
    if (ringOffset(pool, start, reached) > ringOffset(pool, start, cursor.last)) {
      cursor.last = reached;
    }
  }

  private async saveCursor(pool: AddressPool, cursor: CursorState): Promise<void> {
    try {
      await this.repository.saveCursor(pool.cidr, formatPoolAddress(pool, cursor.last));
    } catch {
      // Best-effort: the claim is made; a stale stored cursor only costs the next start-up a few
      // lookups (taken addresses are skipped), never a duplicate.
    }
  }

  private cursorOf(pool: AddressPool): Promise<CursorState> {
    const known = this.cursors.get(pool.cidr);
    if (known) return Promise.resolve(known);
    let loading = this.loading.get(pool.cidr);
    if (!loading) {
      // One load per pool, shared by concurrent first allocations (they must share one state).
      loading = this.loadCursor(pool).finally(() => this.loading.delete(pool.cidr));
      this.loading.set(pool.cidr, loading);
    }
    return loading;
  }

  private async loadCursor(pool: AddressPool): Promise<CursorState> {
    const stored = await this.repository.loadCursor(pool.cidr);
    const parsed = stored === null ? null : parseIp(stored);
    const inPool =
      parsed !== null &&
      parsed.family === pool.family &&
      parsed.value >= pool.network &&
      parsed.value <= pool.last;
    const state: CursorState = { last: inPool ? parsed.value : pool.network };
    this.cursors.set(pool.cidr, state);
    return state;
  }
}

function scanLimit(pool: AddressPool): bigint {
  const usable = usableCount(pool);
  return usable < MAX_SCANNED ? usable : MAX_SCANNED;
}

/** Steps from `from` forward to `to` on the ring of the pool's usable range. */
function ringOffset(pool: AddressPool, from: bigint, to: bigint): bigint {
  const span = pool.lastUsable - pool.firstUsable + 1n;
  return (((to - from) % span) + span) % span;
}
