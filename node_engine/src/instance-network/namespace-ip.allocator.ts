import { createHash } from 'node:crypto';
import { ipv4ToNumber, numberToIpv4 } from '@canopy/contracts';

/** Parsed `a.b.c.d/p` worker subnet (host bits must be zero). */
interface Subnet {
  network: number;
  size: number;
  text: string;
}

function parseSubnet(text: string): Subnet | null {
  const match = /^([0-9.]+)\/(\d{1,2})$/.exec(text);
  if (match === null) return null;
  const network = ipv4ToNumber(match[1] ?? '');
  const prefix = Number(match[2]);
  if (network === null || prefix > 32) return null;
  const size = 2 ** (32 - prefix);
  if (network % size !== 0) return null;
  return { network, size, text: `${numberToIpv4(network)}/${prefix}` };
}

/**
 * Namespace IPs of this worker's instances, from its subnet. The network address, the bridge
 * (gateway: the first address) and the broadcast address are never handed out. A key's first
 * choice is derived from a hash of the key (so the same instance tends to get the same address
 * even without the state file), probing upwards on collisions; the caller persists `entries()`
 * so an instance keeps its address across agent and container restarts. Pure (no I/O).
 */
export class NamespaceIpAllocator {
  private readonly subnet: Subnet;
  private readonly byKey = new Map<string, string>();
  private readonly used = new Set<string>();

  /** @throws Error when `subnet` is not an IPv4 prefix with at least one usable address. */
  constructor(subnet: string, existing: Readonly<Record<string, string>> = {}) {
    const parsed = parseSubnet(subnet);
    if (parsed === null) throw new Error(`subnet "${subnet}" is not an IPv4 prefix`);
    if (parsed.size < 4) throw new Error(`subnet ${parsed.text} has no address for instances`);
    this.subnet = parsed;
    // Persisted entries that still fit (same subnet, usable, not taken twice) are kept as they are.
    for (const [key, ip] of Object.entries(existing).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (this.isUsable(ip) && !this.used.has(ip)) this.take(key, ip);
    }
  }

  get subnetText(): string {
    return this.subnet.text;
  }

  /** Addresses instances can get: size − network − gateway − broadcast. */
  get capacity(): number {
    return this.subnet.size - 3;
  }

  /** The address of `key`: the one it has, else a free one. @throws Error when the subnet is full. */
  allocate(key: string): string {
    const have = this.byKey.get(key);
    if (have !== undefined) return have;
    const count = this.capacity;
    const start = createHash('sha256').update(key).digest().readUInt32BE(0) % count;
    for (let i = 0; i < count; i++) {
      const ip = numberToIpv4(this.subnet.network + 2 + ((start + i) % count));
      if (!this.used.has(ip)) {
        this.take(key, ip);
        return ip;
      }
    }
    throw new Error(`no free namespace IP left in ${this.subnet.text} (${count} in use)`);
  }

  get(key: string): string | undefined {
    return this.byKey.get(key);
  }

  /** Frees the address of `key`; returns whether it had one. */
  release(key: string): boolean {
    const ip = this.byKey.get(key);
    if (ip === undefined) return false;
    this.byKey.delete(key);
    this.used.delete(ip);
    return true;
  }

  entries(): Record<string, string> {
    return Object.fromEntries(this.byKey);
  }

  /** Inside the subnet, not the network, gateway or broadcast address. */
  isUsable(ip: string): boolean {
    const n = ipv4ToNumber(ip);
    if (n === null) return false;
    const offset = n - this.subnet.network;
    return offset >= 2 && offset <= this.subnet.size - 2;
  }

  private take(key: string, ip: string): void {
    this.byKey.set(key, ip);
    this.used.add(ip);
  }
}
