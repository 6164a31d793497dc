import { FAMILY_BITS, formatIp, type IpAddress, type IpFamily, parseIp } from './ip-address';

/**
 * An address pool (a CIDR block) and the pure rules of handing addresses out of it: which
 * addresses are usable, in which order candidates are tried, and whether a requested address may
 * be claimed. Family-agnostic (bigint arithmetic); the root configures IPv4 pools today.
 *
 * Usable = inside the block, minus the network address (IPv4 and IPv6: the IPv6 subnet-router
 * anycast address), minus the IPv4 broadcast address, minus explicitly reserved addresses.
 */
export interface AddressPool {
  /** Canonical CIDR text, e.g. `10.30.0.0/16`: the pool's identity (cursor key, messages). */
  cidr: string;
  family: IpFamily;
  prefix: number;
  /** The block's first (network) and last addresses. */
  network: bigint;
  last: bigint;
  firstUsable: bigint;
  lastUsable: bigint;
  /** Inside the usable range but never handed out. */
  reserved: ReadonlySet<bigint>;
}

export type PoolParseResult = { ok: true; pool: AddressPool } | { ok: false; reason: string };

/** Smallest IPv4 pools still leave 2 usable addresses (network and broadcast are skipped). */
export const MAX_IPV4_POOL_PREFIX = 30;
export const MAX_IPV6_POOL_PREFIX = 126;

/**
 * Parses `a.b.c.d/len` (or an IPv6 block). The base must be the network address itself (host
 * bits zero): `10.30.1.0/16` is refused rather than silently widened, since it usually means a
 * typo in the prefix. `reserved` addresses must lie in the pool.
 */
export function parsePool(cidr: string, reserved: readonly string[] = []): PoolParseResult {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(cidr.trim());
  if (!match) return fail('must be an address block in CIDR notation, e.g. 10.30.0.0/16');
  const base = parseIp(match[1] ?? '');
  if (base === null) return fail('must be an address block in CIDR notation, e.g. 10.30.0.0/16');
  const prefix = Number(match[2]);
  const bits = FAMILY_BITS[base.family];
  const maxPrefix = base.family === 4 ? MAX_IPV4_POOL_PREFIX : MAX_IPV6_POOL_PREFIX;
  if (prefix > maxPrefix) return fail(`prefix length must be at most /${maxPrefix}`);
  const hostBits = BigInt(bits - prefix);
  const size = 1n << hostBits;
  if (base.value % size !== 0n) {
    const network = formatIp({ family: base.family, value: base.value - (base.value % size) });
    return fail(`host bits must be zero (did you mean ${network}/${prefix}?)`);
  }
  const last = base.value + size - 1n;
  const reservedValues = new Set<bigint>();
  for (const text of reserved) {
    const address = parseIp(text);
    if (address === null || address.family !== base.family) {
      return fail(`reserved address "${text}" is not an IPv${base.family} address`);
    }
    if (address.value < base.value || address.value > last) {
      return fail(`reserved address ${text} is outside the pool`);
    }
    reservedValues.add(address.value);
  }
  const pool: AddressPool = {
    cidr: `${formatIp(base)}/${prefix}`,
    family: base.family,
    prefix,
    network: base.value,
    last,
    firstUsable: base.value + 1n,
    lastUsable: base.family === 4 ? last - 1n : last,
    reserved: reservedValues,
  };
  if (usableCount(pool) < 1n) return fail('leaves no usable address (all reserved)');
  return { ok: true, pool };
}

/** Like {@link parsePool}, for values already validated (configuration): throws when invalid. */
export function poolOf(cidr: string, reserved: readonly string[] = []): AddressPool {
  const parsed = parsePool(cidr, reserved);
  if (!parsed.ok) throw new RangeError(`invalid address pool "${cidr}": ${parsed.reason}`);
  return parsed.pool;
}

export function poolContains(pool: AddressPool, address: IpAddress): boolean {
  return (
    address.family === pool.family && address.value >= pool.network && address.value <= pool.last
  );
}

/** Inside the usable range and not reserved: may be handed out. */
export function isUsable(pool: AddressPool, value: bigint): boolean {
  return value >= pool.firstUsable && value <= pool.lastUsable && !pool.reserved.has(value);
}

export function usableCount(pool: AddressPool): bigint {
  let reservedInside = 0n;
  for (const value of pool.reserved) if (isInUsableRange(pool, value)) reservedInside++;
  return pool.lastUsable - pool.firstUsable + 1n - reservedInside;
}

/**
 * Up to `limit` distinct usable addresses following `after` in pool order, wrapping from the end
 * of the pool to its start, never past `after` itself (so one call visits each address at most
 * once). `after` outside the usable range (e.g. the network address: "no cursor yet") starts at
 * the first usable address.
 */
export function candidatesAfter(pool: AddressPool, after: bigint, limit: number): bigint[] {
  const result: bigint[] = [];
  const span = pool.lastUsable - pool.firstUsable + 1n;
  const started = isInUsableRange(pool, after);
  let current = started ? after : pool.lastUsable; // so the first step lands on firstUsable
  const steps = started ? span - 1n : span;
  for (let step = 0n; step < steps && result.length < limit; step++) {
    current = current === pool.lastUsable ? pool.firstUsable : current + 1n;
    if (!pool.reserved.has(current)) result.push(current);
  }
  return result;
}

export type RequestedAddressCheck =
  { ok: true; address: IpAddress; canonical: string } | { ok: false; reason: string };

/**
 * May `text` be claimed from `pool` (syntax, family, membership, not network/broadcast/reserved)?
 * Whether it is free is state, checked by the claim itself.
 */
export function checkRequestedAddress(pool: AddressPool, text: string): RequestedAddressCheck {
  const address = parseIp(text);
  if (address === null) return { ok: false, reason: `is not an IP address (got "${text}")` };
  if (address.family !== pool.family) {
    return { ok: false, reason: `must be an IPv${pool.family} address (got ${text})` };
  }
  if (!poolContains(pool, address)) {
    return { ok: false, reason: `must be inside the pool ${pool.cidr} (got ${text})` };
  }
  if (address.value === pool.network) {
    return { ok: false, reason: `must not be the network address of ${pool.cidr}` };
  }
  if (pool.family === 4 && address.value === pool.last) {
    return { ok: false, reason: `must not be the broadcast address of ${pool.cidr}` };
  }
  if (pool.reserved.has(address.value)) {
    return { ok: false, reason: `${formatIp(address)} is reserved in ${pool.cidr}` };
  }
  return { ok: true, address, canonical: formatIp(address) };
}

export function formatPoolAddress(pool: AddressPool, value: bigint): string {
  return formatIp({ family: pool.family, value });
}

function isInUsableRange(pool: AddressPool, value: bigint): boolean {
  return value >= pool.firstUsable && value <= pool.lastUsable;
}

function fail(reason: string): PoolParseResult {
  return { ok: false, reason };
}
