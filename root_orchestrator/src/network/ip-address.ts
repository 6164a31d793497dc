/**
 * IP addresses as (family, 128-bit-safe integer) pairs: pure parsing and formatting for both
 * families, so pools, claims and lookups never depend on IPv4-only arithmetic. Addresses are
 * stored and compared in their canonical text (dotted quad; RFC 5952 for IPv6), so two spellings
 * of one address ("fdff:2000:0::30", "FDFF:2000::30") can never be claimed twice.
 */

export type IpFamily = 4 | 6;

export interface IpAddress {
  family: IpFamily;
  value: bigint;
}

export const FAMILY_BITS: Readonly<Record<IpFamily, number>> = { 4: 32, 6: 128 };

const IPV4_OCTET = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** Parses IPv4 or IPv6 text (no zone ids, no brackets); null when malformed. */
export function parseIp(text: string): IpAddress | null {
  if (text.includes(':')) {
    const value = parseIpv6(text);
    return value === null ? null : { family: 6, value };
  }
  const value = parseIpv4(text);
  return value === null ? null : { family: 4, value };
}

/** Canonical text of an address: dotted quad, or RFC 5952 (lower case, longest zero run as ::). */
export function formatIp(address: IpAddress): string {
  return address.family === 4 ? formatIpv4(address.value) : formatIpv6(address.value);
}

/** The canonical spelling of `text`, or null when it is not an address. */
export function canonicalIp(text: string): string | null {
  const parsed = parseIp(text);
  return parsed === null ? null : formatIp(parsed);
}

function parseIpv4(text: string): bigint | null {
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((o) => IPV4_OCTET.test(o))) return null;
  return octets.reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

function parseIpv6(text: string): bigint | null {
  let spelled = text;
  // An embedded IPv4 tail ("::ffff:10.0.0.1") stands for the last two groups.
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (last.includes('.')) {
    const v4 = parseIpv4(last);
    if (v4 === null) return null;
    spelled = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const halves = spelled.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0] ?? '');
  const rest = halves.length === 2 ? parseGroups(halves[1] ?? '') : [];
  if (head === null || rest === null) return null;
  let groups: bigint[];
  if (halves.length === 2) {
    // "::" stands for at least one zero group.
    if (head.length + rest.length > 7) return null;
    groups = [...head, ...Array<bigint>(8 - head.length - rest.length).fill(0n), ...rest];
  } else {
    if (head.length !== 8) return null;
    groups = head;
  }
  return groups.reduce((acc, group) => (acc << 16n) | group, 0n);
}

function parseGroups(part: string): bigint[] | null {
  if (part === '') return [];
  const groups = part.split(':');
  if (!groups.every((g) => IPV6_GROUP.test(g))) return null;
  return groups.map((g) => BigInt(`0x${g}`));
}

function formatIpv6(value: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => (value >> BigInt(112 - 16 * i)) & 0xffffn);
  // RFC 5952: compress the longest run (2+ groups) of zeros, the first one on a tie.
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0n) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  const left = hex.slice(0, bestStart).join(':');
  const right = hex.slice(bestStart + bestLength).join(':');
  return `${left}::${right}`;
}
