import { ipv4ToNumber } from '@canopy/contracts';

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

export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

export function rangeContains(outer: Ipv4Range, inner: Ipv4Range): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}
