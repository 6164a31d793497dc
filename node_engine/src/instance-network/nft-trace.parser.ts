import { cidrContains, type Ipv4Cidr } from '../network';

const PACKET_LINE = /^trace id [0-9a-f]+ inet (\S+) (\S+) packet: (.*)$/;
const DADDR = /(?:^| )ip daddr (\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})(?: |$)/;

/**
 * The service address of a table miss in one line of `nft monitor trace`: the `packet:` line of
 * OUR table (`inet <table>`) whose `ip daddr` lies in the service pool. Every other line (rule
 * verdicts, other tables' traces, IPv6, anything unexpected) gives undefined. Never throws.
 */
export function parseTableMiss(line: string, table: string, pool: Ipv4Cidr): string | undefined {
  if (line.length > 4096) return undefined;
  const packet = PACKET_LINE.exec(line.trim());
  if (!packet || packet[1] !== table) return undefined;
  const address = DADDR.exec(packet[3] ?? '')?.[1];
  if (address === undefined) return undefined;
  const octets = address.split('.').map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return cidrContains(pool, address) ? address : undefined;
}

/**
 * One miss per address per window: a client retransmitting its SYN, or several clients calling
 * the same address, must cause one query, not one per packet. Bounded in size.
 */
export class MissDeduper {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly windowMs: number,
    private readonly maxEntries = 4096,
  ) {}

  /** True when `address` was not accepted within the last window. */
  accept(address: string, nowMs: number): boolean {
    const last = this.seen.get(address);
    if (last !== undefined && nowMs - last < this.windowMs) return false;
    if (this.seen.size >= this.maxEntries) {
      for (const [a, t] of this.seen) if (nowMs - t >= this.windowMs) this.seen.delete(a);
      if (this.seen.size >= this.maxEntries) this.seen.clear();
    }
    this.seen.set(address, nowMs);
    return true;
  }
}
