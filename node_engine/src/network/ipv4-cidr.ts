import { ipv4ToNumber, numberToIpv4 } from '@canopy/contracts';

/** An IPv4 prefix such as a worker subnet `10.18.0.64/26`. */
export interface Ipv4Cidr {
  /** Network address as an unsigned 32-bit number (host bits zero). */
  network: number;
  prefix: number;
  /** Canonical text `a.b.c.d/p` of the network. */
  text: string;
}

/** Parses `a.b.c.d/p`; null when malformed or when host bits are set (a typo we refuse to guess). */
export function parseCidr(text: string): Ipv4Cidr | null {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  if (match === null) return null;
  const address = ipv4ToNumber(match[1] ?? '');
  const prefix = Number(match[2]);
  if (address === null || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  if (address % size !== 0) return null;
  return { network: address, prefix, text: `${numberToIpv4(address)}/${prefix}` };
}

export function isIpv4(text: string): boolean {
  return ipv4ToNumber(text) !== null;
}

export function cidrSize(cidr: Ipv4Cidr): number {
  return 2 ** (32 - cidr.prefix);
}

export function cidrContains(cidr: Ipv4Cidr, ip: string): boolean {
  const address = ipv4ToNumber(ip);
  if (address === null) return false;
  return address >= cidr.network && address < cidr.network + cidrSize(cidr);
}

export function cidrsOverlap(a: Ipv4Cidr, b: Ipv4Cidr): boolean {
  return a.network < b.network + cidrSize(b) && b.network < a.network + cidrSize(a);
}

/** The address `offset` places after the network address (1 = the gateway). */
export function addressAt(cidr: Ipv4Cidr, offset: number): string {
  if (offset < 0 || offset >= cidrSize(cidr)) {
    throw new RangeError(`offset ${offset} is outside ${cidr.text}`);
  }
  return numberToIpv4(cidr.network + offset);
}

/**
 * A worker's bridge takes the first host address of its subnet (Oakestra: bridge = subnet+1,
 * containers from subnet+2); peers use it as the next hop of the worker's subnet over VXLAN.
 */
export function gatewayOf(cidr: Ipv4Cidr): string {
  return addressAt(cidr, 1);
}

/** `02:<kind>:` + the 4 bytes of `value`: a locally administered unicast MAC. */
function derivedMac(kind: number, value: number): string {
  const bytes = [
    0x02,
    kind,
    ...[24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256),
  ];
  return bytes.map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/**
 * The VXLAN endpoint MAC of the worker owning `subnet` (`02:ca:` + network address). Derived,
 * not exchanged, so a VXLAN peer needs the same facts as a WireGuard one (subnet + endpoint);
 * unique because subnets never overlap.
 */
export function vtepMac(cidr: Ipv4Cidr): string {
  return derivedMac(0xca, cidr.network);
}

/**
 * The MAC of an instance's eth0 (`02:cb:` + namespace IP; Docker does the same with 02:42). A
 * re-created veth (agent or container restart) keeps its MAC, so the worker's neighbour cache
 * never points at a vanished one and traffic resumes at once.
 */
export function instanceMac(namespaceIp: string): string {
  return derivedMac(0xcb, ipv4ToNumber(namespaceIp) ?? 0);
}

/**
 * The bridge's MAC (`02:cc:` + gateway address). Set explicitly because a bridge otherwise takes
 * the lowest MAC of its ports, which changes when an instance comes or goes, and every instance's
 * cached gateway MAC would go stale for seconds.
 */
export function bridgeMac(cidr: Ipv4Cidr): string {
  return derivedMac(0xcc, cidr.network + 1);
}

export function compareIpv4(a: string, b: string): number {
  return (ipv4ToNumber(a) ?? -1) - (ipv4ToNumber(b) ?? -1);
}
