import { numberToIpv4, parseIpv4Cidr, ipv4RangesOverlap, type Ipv4Range } from '@canopy/contracts';

/**
 * The first block of `/prefix` inside `space` that overlaps none of `taken` (CIDRs; malformed
 * ones are ignored), as `a.b.c.d/prefix`; undefined when the space is used up or the prefix
 * does not fit it. Lowest first, so the first cluster gets the start of the space (10.18.0.0/20
 * by default: its workers' /26 subnets then start at 10.18.0.0, as Oakestra's do). Pure.
 */
export function assignClusterPool(
  space: string,
  prefix: number,
  taken: readonly string[],
): string | undefined {
  const range = parseIpv4Cidr(space);
  const spacePrefix = Number(space.split('/')[1]);
  if (range === null || !Number.isInteger(prefix) || prefix < spacePrefix || prefix > 30) {
    return undefined;
  }
  const used = taken.map(parseIpv4Cidr).filter((r): r is Ipv4Range => r !== null);
  const size = 2 ** (32 - prefix);
  for (let first = range.first; first + size - 1 <= range.last; first += size) {
    const block = { first, last: first + size - 1 };
    if (!used.some((u) => ipv4RangesOverlap(u, block))) return `${numberToIpv4(first)}/${prefix}`;
  }
  return undefined;
}
