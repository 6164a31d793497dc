import { parseIpv4Cidr } from '@canopy/contracts';
import type { TunnelPeer } from '@canopy/contracts/grpc';
import { canonicalIp } from '../network/ip-address';

/**
 * What the root keeps of a report's tunnel peers (pure). The peers are handed to every other
 * cluster's workers, which configure tunnels and routes from them, so a cluster must not be able
 * to grow the document without bound or inject junk: each peer needs a worker id, an IPv4 subnet,
 * an underlay address and a port; lengths and the count are bounded; duplicates of a worker id
 * keep the first; `cluster_id` is set by the root later, never taken from the cluster.
 */

/** A /16 pool holds 1024 worker /26 subnets (the default); four times that is generous. */
export const MAX_TUNNEL_PEERS = 4096;
const MAX_WORKER_ID = 128;
const MAX_ENDPOINT = 253;
/** WireGuard keys are 44 base64 characters. */
const MAX_PUBLIC_KEY = 64;
const HOSTNAME = /^[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/;

export interface SanitizedPeers {
  peers: TunnelPeer[];
  dropped: number;
}

export function sanitizeTunnelPeers(reported: readonly TunnelPeer[]): SanitizedPeers {
  const peers: TunnelPeer[] = [];
  const seen = new Set<string>();
  for (const peer of reported.slice(0, MAX_TUNNEL_PEERS)) {
    const clean = sanitizePeer(peer);
    if (clean === null || seen.has(clean.worker_id)) continue;
    seen.add(clean.worker_id);
    peers.push(clean);
  }
  return { peers, dropped: reported.length - peers.length };
}

function sanitizePeer(peer: TunnelPeer): TunnelPeer | null {
  if (peer.worker_id === '' || peer.worker_id.length > MAX_WORKER_ID) return null;
  if (peer.subnet.length > 18 || parseIpv4Cidr(peer.subnet) === null) return null;
  if (peer.endpoint === '' || peer.endpoint.length > MAX_ENDPOINT) return null;
  const endpoint =
    canonicalIp(peer.endpoint) ?? (HOSTNAME.test(peer.endpoint) ? peer.endpoint : null);
  if (endpoint === null) return null;
  if (!Number.isInteger(peer.port) || peer.port < 1 || peer.port > 65_535) return null;
  if (peer.public_key.length > MAX_PUBLIC_KEY || !/^[A-Za-z0-9+/=]*$/.test(peer.public_key)) {
    return null;
  }
  return {
    worker_id: peer.worker_id,
    subnet: peer.subnet,
    endpoint,
    port: peer.port,
    public_key: peer.public_key,
    cluster_id: '',
  };
}
