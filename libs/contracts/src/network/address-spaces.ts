/**
 * Oakestra's default address spaces (reference/oakestra.md §7.1). Defaults only: deployments may
 * configure others, so DTOs validate address *syntax* and the allocators check membership.
 */
export const AddressSpace = {
  /** Service (round-robin) and instance IPv4 addresses share this pool. */
  SERVICE_IP_POOL_V4: '10.30.0.0/16',
  /** First worker subnet; each worker gets the next /26. */
  WORKER_SUBNET_BASE_V4: '10.18.0.0',
  /** The cluster's default pool of worker subnets (1024 × /26). */
  WORKER_SUBNET_POOL_V4: '10.18.0.0/16',
  WORKER_SUBNET_PREFIX_V4: 26,
  /** Where the root assigns pools to clusters that bring none (32 × /20 by default). */
  CLUSTER_SUBNET_SPACE_V4: '10.18.0.0/15',
  /** One assigned cluster pool: /20 = 64 worker subnets of /26. */
  CLUSTER_SUBNET_PREFIX_V4: 20,
  /** Round-robin service IPv6 addresses (`addresses.rr_ip_v6` must be inside). */
  SERVICE_RR_POOL_V6: 'fdff:2000::/21',
  /** Reserved for "closest" service IPv6 addresses (unimplemented in Oakestra). */
  SERVICE_CLOSEST_POOL_V6: 'fdff:1000::/21',
  /** Instance IPv6 addresses. */
  INSTANCE_IP_POOL_V6: 'fdff::/21',
  /** First worker IPv6 subnet; each worker gets the next /120. */
  WORKER_SUBNET_BASE_V6: 'fc00::',
  WORKER_SUBNET_PREFIX_V6: 120,
} as const;

/** Tunnel MTU: 1500 minus the outer IP/UDP headers, as Oakestra's ProxyTUN. */
export const TUNNEL_MTU = 1450;

const IPV4_PATTERN = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

/** Parses dotted-quad IPv4 text to an unsigned 32-bit number; null when malformed. */
export function ipv4ToNumber(ip: string): number | null {
  if (!IPV4_PATTERN.test(ip)) return null;
  return ip.split('.').reduce((acc, octet) => acc * 256 + Number(octet), 0);
}

export function numberToIpv4(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw new RangeError(`not an IPv4 address value: ${value}`);
  }
  return [24, 16, 8, 0].map((shift) => Math.floor(value / 2 ** shift) % 256).join('.');
}
