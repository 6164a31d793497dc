import { ipv4ToNumber } from './address-spaces';

/** An IPv4 CIDR as the inclusive range of addresses it covers. */
export interface Ipv4Range {
  first: number;
  last: number;
}

/** Parses `a.b.c.d/p` (host bits may be set, as operators write them); null when malformed. */
export function parseIpv4Cidr(text: string): Ipv4Range | null {
  const match = /^([0-9.]{7,15})\/(\d{1,2})$/.exec(text);
  if (!match) return null;
  const base = ipv4ToNumber(match[1] ?? '');
  const prefix = Number(match[2]);
  if (base === null || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  const first = Math.floor(base / size) * size;
  return { first, last: first + size - 1 };
}

/** Whether two ranges share an address (two worker subnet pools that must not). */
export function ipv4RangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** Whether `inner` lies wholly inside `outer` (a worker subnet in its cluster's pool). */
export function ipv4RangeContains(outer: Ipv4Range, inner: Ipv4Range): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

/** True when `ip` lies inside `cidr` (IPv4 only, e.g. `10.30.0.0/16`); false on malformed input. */
export function isIpv4InCidr(ip: string, cidr: string): boolean {
  const range = parseIpv4Cidr(cidr);
  const address = ipv4ToNumber(ip);
  return range !== null && address !== null && address >= range.first && address <= range.last;
}
