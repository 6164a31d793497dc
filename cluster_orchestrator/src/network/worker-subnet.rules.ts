import { ipv4ToNumber, numberToIpv4 } from '@canopy/contracts';

/**
 * Worker subnets (reference §7.1: /26 steps from 10.18.0.0): the pool is cut into equal blocks
 * of `prefix` bits; block i is `pool base + i · 2^(32 − prefix)`. Pure; IPv4 only for now — the
 * stored form is CIDR text, so an IPv6 pool can be added without changing the data model.
 */
export interface SubnetPool {
  /** Network number of the pool. */
  base: number;
  /** Pool prefix length, e.g. 16. */
  poolPrefix: number;
  /** Worker subnet prefix length, e.g. 26. */
  prefix: number;
}

/** Parses `10.18.0.0/16` + 26; an error text when unusable. */
export function parseSubnetPool(cidr: string, prefix: number): SubnetPool | string {
  const [baseText, prefixText, ...rest] = cidr.split('/');
  const base = baseText === undefined ? null : ipv4ToNumber(baseText);
  const poolPrefix = Number(prefixText);
  if (base === null || rest.length > 0 || !/^\d{1,2}$/.test(prefixText ?? '') || poolPrefix > 32) {
    return `must be an IPv4 CIDR such as 10.18.0.0/16 (got ${JSON.stringify(cidr)})`;
  }
  if (base % 2 ** (32 - poolPrefix) !== 0) {
    return `${cidr} is not a network address (host bits set)`;
  }
  if (!Number.isInteger(prefix) || prefix < poolPrefix || prefix > 30) {
    return `worker subnet prefix /${prefix} must be between /${poolPrefix} and /30`;
  }
  return { base, poolPrefix, prefix };
}

/** How many worker subnets the pool holds. */
export function subnetCount(pool: SubnetPool): number {
  return 2 ** (pool.prefix - pool.poolPrefix);
}

/** The i-th worker subnet as CIDR text, e.g. `10.18.0.64/26` for i = 1. */
export function subnetAt(pool: SubnetPool, index: number): string {
  if (!Number.isInteger(index) || index < 0 || index >= subnetCount(pool)) {
    throw new RangeError(`subnet index ${index} outside the pool`);
  }
  return `${numberToIpv4(pool.base + index * 2 ** (32 - pool.prefix))}/${pool.prefix}`;
}
