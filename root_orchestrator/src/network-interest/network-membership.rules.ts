import {
  type Ipv4Range,
  parseIpv4Cidr,
  ipv4RangeContains,
  ipv4RangesOverlap,
} from '@canopy/contracts';
import type { TunnelPeer } from '@canopy/contracts/grpc';

/**
 * Which clusters take part in the hierarchy's network (pure). Workers of different clusters are
 * joined by tunnels routed by worker subnet, so two clusters whose WORKER_SUBNET_POOLs overlap
 * could hand out the same subnet twice and one worker's traffic would reach the other's. Of two
 * overlapping clusters one is kept out ("isolated"): it gets no remote peers and no remote
 * instances, and nobody gets its peers or instances. Which one: the one already isolated stays
 * so (no flapping when the other reconnects), otherwise the later-connected one.
 */

/** What the rules need of a cluster (the stored document plus its liveness, judged now). */
export interface NetworkMember {
  id: string;
  cluster_name: string;
  /**
   * Active, or inactive for less than CLUSTER_RESCHEDULE_GRACE (its instances have not been moved
   * and its workers may still be serving). Clusters gone for longer take no part at all.
   */
  inNetwork: boolean;
  connected_at: Date | null;
  worker_subnet_pool: string;
  tunnel_peers: readonly TunnelPeer[];
  /** As stored: non-null means it was isolated when last judged. */
  network_problem: string | null;
}

export interface Isolation {
  problem: string;
  /** The cluster it conflicts with, when the problem is an overlap. */
  conflictsWith?: { id: string; cluster_name: string; worker_subnet_pool: string };
}

export interface NetworkMembership {
  /** Clusters in the hierarchy's network. */
  members: ReadonlySet<string>;
  /** Clusters kept out of it, with why. */
  isolated: ReadonlyMap<string, Isolation>;
}

export function judgeMembership(clusters: readonly NetworkMember[]): NetworkMembership {
  const ordered = clusters
    .filter((c) => c.inNetwork)
    .sort(
      (a, b) =>
        Number(a.network_problem !== null) - Number(b.network_problem !== null) ||
        (a.connected_at?.getTime() ?? 0) - (b.connected_at?.getTime() ?? 0) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
  const members = new Set<string>();
  const isolated = new Map<string, Isolation>();
  const accepted: { cluster: NetworkMember; pool: Ipv4Range }[] = [];
  for (const cluster of ordered) {
    // No pool announced (an older cluster): nothing to check it against; it takes part.
    if (cluster.worker_subnet_pool === '') {
      members.add(cluster.id);
      continue;
    }
    const pool = parseIpv4Cidr(cluster.worker_subnet_pool);
    if (pool === null) {
      isolated.set(cluster.id, {
        problem:
          `worker subnet pool ${JSON.stringify(cluster.worker_subnet_pool.slice(0, 64))} of ` +
          `cluster ${cluster.cluster_name} is not an IPv4 CIDR; set WORKER_SUBNET_POOL to one ` +
          `(e.g. 10.18.0.0/16) that no other cluster uses`,
      });
      continue;
    }
    const other = accepted.find((a) => ipv4RangesOverlap(a.pool, pool))?.cluster;
    if (other) {
      isolated.set(cluster.id, {
        problem:
          `worker subnet pool ${cluster.worker_subnet_pool} of cluster ${cluster.cluster_name} ` +
          `(${cluster.id}) overlaps ${other.worker_subnet_pool} of cluster ${other.cluster_name} ` +
          `(${other.id}): this cluster is kept out of the hierarchy's network (no tunnels, no ` +
          `remote service tables); set disjoint WORKER_SUBNET_POOL values on the clusters`,
        conflictsWith: {
          id: other.id,
          cluster_name: other.cluster_name,
          worker_subnet_pool: other.worker_subnet_pool,
        },
      });
      continue;
    }
    members.add(cluster.id);
    accepted.push({ cluster, pool });
  }
  return { members, isolated };
}

/**
 * The clusters whose instances `viewerId` may be given: every member when it is one, else only
 * its own (an isolated cluster still sees its local instances).
 */
export function visibleClusters(
  viewerId: string,
  membership: NetworkMembership,
): ReadonlySet<string> {
  if (!membership.members.has(viewerId)) return new Set([viewerId]);
  return membership.members;
}

/**
 * The tunnel peers `viewerId` gets: every worker of every OTHER member cluster, with cluster_id
 * set, in a stable order (so equal lists compare equal). A peer whose subnet lies outside its
 * cluster's announced pool is left out: it would route addresses the pool check never saw.
 */
export function remotePeersFor(
  viewerId: string,
  clusters: readonly NetworkMember[],
  membership: NetworkMembership,
): TunnelPeer[] {
  if (!membership.members.has(viewerId)) return [];
  const peers: TunnelPeer[] = [];
  for (const cluster of clusters) {
    if (cluster.id === viewerId || !membership.members.has(cluster.id)) continue;
    const pool = parseIpv4Cidr(cluster.worker_subnet_pool);
    for (const peer of cluster.tunnel_peers) {
      const subnet = parseIpv4Cidr(peer.subnet);
      if (subnet === null || (pool !== null && !ipv4RangeContains(pool, subnet))) continue;
      peers.push({ ...peer, cluster_id: cluster.id });
    }
  }
  return peers.sort((a, b) =>
    a.cluster_id === b.cluster_id
      ? compare(a.worker_id, b.worker_id)
      : compare(a.cluster_id, b.cluster_id),
  );
}

/** Identity of a peer list, to push only changes. */
export function peersKey(peers: readonly TunnelPeer[]): string {
  return JSON.stringify(
    peers.map((p) => [p.cluster_id, p.worker_id, p.subnet, p.endpoint, p.port, p.public_key]),
  );
}

/** Each push's revision is above the last one, and above the clock (survives a root restart). */
export function nextRevision(last: number, nowMs: number): number {
  return Math.max(last + 1, nowMs);
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
