import { ConflictError } from '../common/errors/domain-errors';
import {
  AddressAllocator,
  AddressPoolExhaustedError,
  CANDIDATE_WINDOW,
} from './address-allocator.service';
import { poolOf } from './address-pool';
import type { AddressClaim } from './network-address.model';
import type { NetworkAddressRepository, NewClaim } from './network-address.repository';

/**
 * An in-memory stand-in for the claims collection with the one property that matters: an insert
 * of an address already present fails (the unique index). Every call yields to the event loop,
 * so concurrent allocations interleave as they do against a database.
 */
class FakeClaims {
  readonly held = new Map<string, AddressClaim>();
  readonly cursors = new Map<string, string>();
  inserts = 0;
  lookups = 0;

  async tryClaim(claim: NewClaim): Promise<AddressClaim | null> {
    await tick();
    this.inserts++;
    const key = `${claim.family}/${claim.address}`;
    if (this.held.has(key)) return null;
    const stored = { ...claim, id: String(this.held.size), claimed_at: new Date() };
    this.held.set(key, stored);
    return stored;
  }

  async takenAmong(family: number, addresses: readonly string[]): Promise<Set<string>> {
    await tick();
    this.lookups++;
    return new Set(addresses.filter((a) => this.held.has(`${family}/${a}`)));
  }

  async loadCursor(pool: string): Promise<string | null> {
    await tick();
    return this.cursors.get(pool) ?? null;
  }

  async saveCursor(pool: string, last: string): Promise<void> {
    await tick();
    this.cursors.set(pool, last);
  }

  take(address: string): void {
    this.held.set(`4/${address}`, {} as AddressClaim);
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const owner = { kind: 'service', service_id: 's1' } as const;

function allocatorOver(claims: FakeClaims): AddressAllocator {
  return new AddressAllocator(claims as unknown as NetworkAddressRepository);
}

describe(AddressAllocator.name, () => {
  it('hands out the pool in order from the first usable address', async () => {
    const claims = new FakeClaims();
    const allocator = allocatorOver(claims);
    const pool = poolOf('10.30.0.0/16');
    const got = [];
    for (let i = 0; i < 3; i++) got.push((await allocator.claimNext(pool, owner)).address);
    expect(got).toEqual(['10.30.0.1', '10.30.0.2', '10.30.0.3']);
    expect(claims.cursors.get('10.30.0.0/16')).toBe('10.30.0.3');
  });

  it('skips taken addresses with one lookup, not one failed insert each', async () => {
    const claims = new FakeClaims();
    for (let i = 1; i <= 200; i++) claims.take(`10.30.0.${i}`);
    const allocator = allocatorOver(claims);
    expect((await allocator.claimNext(poolOf('10.30.0.0/16'), owner)).address).toBe('10.30.0.201');
    expect(claims.inserts).toBe(1);
    expect(claims.lookups).toBe(1);
  });

  it('resumes after the stored cursor (a restart), and wraps around at the end of the pool', async () => {
    const claims = new FakeClaims();
    claims.cursors.set('192.0.2.0/29', '192.0.2.5');
    claims.take('192.0.2.6');
    const allocator = allocatorOver(claims);
    const pool = poolOf('192.0.2.0/29');
    expect((await allocator.claimNext(pool, owner)).address).toBe('192.0.2.1');
    expect((await allocator.claimNext(pool, owner)).address).toBe('192.0.2.2');
  });

  it('ignores a stored cursor outside the pool (the pool was reconfigured)', async () => {
    const claims = new FakeClaims();
    claims.cursors.set('192.0.2.0/29', '10.30.0.9');
    const allocator = allocatorOver(claims);
    expect((await allocator.claimNext(poolOf('192.0.2.0/29'), owner)).address).toBe('192.0.2.1');
  });

  it('does not reuse a released address before the pool wrapped around', async () => {
    const claims = new FakeClaims();
    const allocator = allocatorOver(claims);
    const pool = poolOf('192.0.2.0/29');
    const first = await allocator.claimNext(pool, owner);
    claims.held.delete(`4/${first.address}`); // released
    expect((await allocator.claimNext(pool, owner)).address).toBe('192.0.2.2');
  });

  it('fails clearly with 409 when every usable address is claimed, and recovers after a release', async () => {
    const claims = new FakeClaims();
    const allocator = allocatorOver(claims);
    const pool = poolOf('192.0.2.0/29');
    for (let i = 0; i < 6; i++) await allocator.claimNext(pool, owner);
    const error = await allocator.claimNext(pool, owner).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AddressPoolExhaustedError);
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toBe(
      'The address pool 192.0.2.0/29 is exhausted: no free address among its 6 usable addresses',
    );
    claims.held.delete('4/192.0.2.4');
    expect((await allocator.claimNext(pool, owner)).address).toBe('192.0.2.4');
  });

  it('gives concurrent allocations of one process distinct candidates: no lost race', async () => {
    const claims = new FakeClaims();
    const allocator = allocatorOver(claims);
    const pool = poolOf('10.30.0.0/16');
    const got = await Promise.all(
      Array.from({ length: 50 }, () => allocator.claimNext(pool, owner)),
    );
    const addresses = got.map((c) => c.address);
    expect(new Set(addresses).size).toBe(50);
    expect(claims.inserts).toBe(50);
  });

  it('never hands an address out twice across processes (independent cursors), only retries', async () => {
    const claims = new FakeClaims();
    const a = allocatorOver(claims);
    const b = allocatorOver(claims);
    const pool = poolOf('10.30.0.0/16');
    const got = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 ? a : b).claimNext(pool, owner)),
    );
    expect(new Set(got.map((c) => c.address)).size).toBe(60);
    expect(claims.inserts).toBeGreaterThan(60); // the two processes did collide
  });

  it('keeps allocations from a tiny pool exact under concurrency: all addresses, then 409s', async () => {
    const claims = new FakeClaims();
    const [a, b] = [allocatorOver(claims), allocatorOver(claims)];
    const pool = poolOf('192.0.2.0/29');
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) => (i % 2 ? a : b).claimNext(pool, owner)),
    );
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value.address] : []));
    expect(won.sort()).toEqual(
      ['192.0.2.1', '192.0.2.2', '192.0.2.3', '192.0.2.4', '192.0.2.5', '192.0.2.6'].sort(),
    );
    for (const r of results) {
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AddressPoolExhaustedError);
    }
  });

  it('lists free addresses without claiming them', async () => {
    const claims = new FakeClaims();
    claims.take('10.30.0.2');
    const allocator = allocatorOver(claims);
    const pool = poolOf('10.30.0.0/16');
    expect(await allocator.peekFree(pool, 3)).toEqual(['10.30.0.1', '10.30.0.3', '10.30.0.4']);
    expect(claims.held.size).toBe(1);
    expect((await allocator.claimNext(pool, owner)).address).toBe('10.30.0.1');
    expect(await allocator.peekFree(pool, 1)).toEqual(['10.30.0.3']);
  });

  it('lists what is left of a nearly full pool, each address once', async () => {
    const claims = new FakeClaims();
    const allocator = allocatorOver(claims);
    const pool = poolOf('192.0.2.0/29');
    claims.take('192.0.2.1');
    claims.take('192.0.2.5');
    expect(await allocator.peekFree(pool, 100)).toEqual([
      '192.0.2.2',
      '192.0.2.3',
      '192.0.2.4',
      '192.0.2.6',
    ]);
  });

  it('scans past more than one window of taken addresses', async () => {
    const claims = new FakeClaims();
    const pool = poolOf('10.30.0.0/16');
    for (let i = 1; i <= CANDIDATE_WINDOW + 10; i++) {
      claims.take(`10.30.${Math.floor(i / 256)}.${i % 256}`);
    }
    const allocator = allocatorOver(claims);
    expect((await allocator.claimNext(pool, owner)).address).toBe('10.30.1.11');
    expect(claims.lookups).toBe(2);
  });
});
