import {
  isIpv4InCidr,
  ipv4ToNumber,
  WIREGUARD_KEY_PATTERN,
  type NetPeerDto,
} from '@canopy/contracts';
import type { TunnelPeer } from '@canopy/contracts/grpc';
import type { Worker } from '../workers/worker.repository';
import { isWorkerActive, type WorkerFactsPatch } from '../workers/worker.rules';

/**
 * Tunnel peer lists (issue 6, control plane): what `nodes/<id>/net/peers` says to each worker.
 * Pure; the PeersPublisher reads the workers and subnets and publishes what these rules build.
 */

/** The tunnel port a worker listens on when it does not say otherwise (UDP). */
export const DEFAULT_TUNNEL_PORT = 50103;

/**
 * Everything the peer lists depend on, in a canonical order (sorted by worker id) so two
 * snapshots of the same state compare equal:
 * - `recipients`: every active worker (each gets a list, even one that cannot be a peer yet);
 * - `peers`: the active workers that can be tunnel peers, i.e. with a subnet and an underlay
 *   address (a peer without either could not be routed to or reached).
 */
export interface PeerSnapshot {
  recipients: string[];
  peers: NetPeerDto[];
  /** Workers of OTHER clusters (through the root): peers of every worker here. */
  remote?: NetPeerDto[];
}

export function peerSnapshotOf(
  workers: readonly Worker[],
  subnets: ReadonlyMap<string, string>,
  now: Date,
  timeoutMs: number,
): PeerSnapshot {
  const active = workers
    .filter((w) => isWorkerActive(w, now, timeoutMs))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const peers: NetPeerDto[] = [];
  for (const w of active) {
    const subnet = subnets.get(w.id);
    if (subnet === undefined || w.ip === '') continue;
    peers.push({
      id: w.id,
      subnet,
      endpoint: w.ip,
      port: w.tunnel_port ?? DEFAULT_TUNNEL_PORT,
      ...(w.wg_public_key !== undefined && w.wg_public_key !== ''
        ? { public_key: w.wg_public_key }
        : {}),
    });
  }
  return { recipients: active.map((w) => w.id), peers };
}

/** The list `workerId` gets: every OTHER peer (a worker never peers with itself). */
export function peersFor(snapshot: PeerSnapshot, workerId: string): NetPeerDto[] {
  return [...snapshot.peers.filter((p) => p.id !== workerId), ...(snapshot.remote ?? [])];
}

/**
 * Other clusters' workers from the root's RemotePeers, as peer entries: only well-formed ones
 * (the root relays what other clusters reported), never one whose subnet overlaps this cluster's
 * pool or one already listed (ids are unique only within a cluster, so they are prefixed with
 * the cluster id), sorted for a canonical snapshot.
 */
export function remotePeersOf(peers: readonly TunnelPeer[], ownPool: string): NetPeerDto[] {
  const seen = new Set<string>();
  const out: NetPeerDto[] = [];
  for (const p of peers) {
    const network = p.subnet.split('/')[0] ?? '';
    const valid =
      p.cluster_id !== '' &&
      p.worker_id !== '' &&
      /^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(p.subnet) &&
      ipv4ToNumber(network) !== null &&
      ipv4ToNumber(p.endpoint) !== null &&
      p.port >= 1 &&
      p.port <= 65535 &&
      (p.public_key === '' || WIREGUARD_KEY_PATTERN.test(p.public_key));
    if (!valid || isIpv4InCidr(network, ownPool)) continue;
    const id = `${p.cluster_id}/${p.worker_id}`;
    if (seen.has(id)) continue;
    seen.add(id);
    out.push({
      id,
      subnet: p.subnet,
      endpoint: p.endpoint,
      port: p.port,
      ...(p.public_key !== '' ? { public_key: p.public_key } : {}),
      cluster_id: p.cluster_id,
    });
  }
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Equal keys ⇔ equal snapshots (both are built in canonical order). */
export function snapshotKey(snapshot: PeerSnapshot): string {
  return JSON.stringify(snapshot);
}

/**
 * Whether an `information` report may change the peer lists: it changes the worker's underlay
 * address or tunnel facts, or it brings an inactive worker (silent too long, or offline) back.
 * Reports are sent every 2 s; the others leave the lists as they are and trigger nothing.
 */
export function informationAffectsPeers(
  before: Worker,
  patch: Pick<WorkerFactsPatch, 'ip' | 'wg_public_key' | 'tunnel_port'>,
  wasActive: boolean,
): boolean {
  if (!wasActive) return true;
  return (
    (patch.ip !== undefined && patch.ip !== before.ip) ||
    (patch.wg_public_key !== undefined && patch.wg_public_key !== before.wg_public_key) ||
    (patch.tunnel_port !== undefined && patch.tunnel_port !== before.tunnel_port)
  );
}

/**
 * The next list revision: above the last one handed out (persisted, so it survives restarts and
 * a clock set back) and at least the current time in ms (so it also grows past a revision store
 * that was lost with a restored database). Workers ignore a list older than one they applied.
 */
export function nextRevision(last: number | undefined, nowMs: number): number {
  return Math.max((last ?? 0) + 1, Math.floor(nowMs));
}
