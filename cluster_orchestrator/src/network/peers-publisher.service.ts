import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { WorkerMessaging } from '../worker-link/worker-messaging.repository';
import { LevelTriggeredSync } from './level-triggered-sync';
import { WorkerRepository, type Worker } from '../workers/worker.repository';
import { isWorkerActive, type WorkerFactsPatch } from '../workers/worker.rules';
import { NetPeersRevisionRepository } from './net-peers-revision.repository';
import {
  informationAffectsPeers,
  peersFor,
  peerSnapshotOf,
  remotePeersOf,
  snapshotKey,
  type PeerSnapshot,
} from './net-peers.rules';
import { WorkerSubnetService } from './worker-subnet.service';
import { HierarchyLink } from './hierarchy-link';
import { WorkerSubnetPool } from './worker-subnet-pool.service';
import type { NetPeerDto } from '@canopy/contracts';

/** Events within this window are published as one list (a burst of joins, a cluster boot). */
export const PEERS_DEBOUNCE_MS = 200;
/** How often the active set is compared with the last published one (catches liveness timeouts). */
export const PEERS_CHECK_INTERVAL_MS = 1_000;

/**
 * Tunnel peer distribution (issue 6): every active worker gets, retained on
 * `nodes/<id>/net/peers`, every OTHER active worker with a subnet (id, subnet, underlay endpoint,
 * tunnel port, WireGuard public key), and gets it again whenever that set or a fact in it changes.
 *
 * Level-triggered: a sync reads the current state from the database and publishes the full lists
 * when it differs from what was last published (or when forced), so a lost event is repaired by
 * the next sync and publishing the same content twice is harmless. Events (registration, link
 * status, tunnel facts) request a sync debounced by PEERS_DEBOUNCE_MS; a periodic check catches
 * what no event announces (a worker silent past WORKER_TIMEOUT). Syncs never overlap.
 *
 * Every list of one sync carries the same revision, larger than every earlier one (persisted),
 * so a worker can drop a list delivered late. Inactive workers get nothing (their retained list
 * stays, and is superseded as soon as they are active again: that changes the set).
 */
@Injectable()
export class PeersPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private lastKey: string | undefined;
  /**
   * Other clusters' workers, from the root's last RemotePeers. Kept when the root goes away:
   * tunnels that work keep working through a partition from the root.
   */
  private remote: NetPeerDto[] = [];
  private remoteRevision = -1;
  private readonly syncs = new LevelTriggeredSync({
    debounceMs: PEERS_DEBOUNCE_MS,
    intervalMs: PEERS_CHECK_INTERVAL_MS,
    run: (force) => this.sync(force),
    // lastKey is unchanged, so the next periodic check sees the difference and retries.
    onError: (error) => this.logger.warn({ error: error.message }, 'peer list sync failed'),
  });

  constructor(
    private readonly config: ClusterConfig,
    private readonly workers: WorkerRepository,
    private readonly subnets: WorkerSubnetService,
    private readonly revisions: NetPeersRevisionRepository,
    private readonly messaging: WorkerMessaging,
    private readonly hierarchy: HierarchyLink,
    private readonly subnetPool: WorkerSubnetPool,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('PeersPublisher');
  }

  onApplicationBootstrap(): void {
    // Boot and every broker (re)connect: publish whatever the state is (the broker may have lost
    // retained messages, and this process does not know what was published before it started).
    this.request({ force: true });
    this.messaging.onConnect(() => this.request({ force: true }));
    this.hierarchy.onRemotePeers((message) => {
      // Revisions restart with a new root process, and only the root sends these: a lower one
      // after a session change is a new sequence, not a late message on the same stream.
      if (message.revision === this.remoteRevision) return;
      this.remoteRevision = message.revision;
      this.remote = remotePeersOf(message.peers, this.subnetPool.cidr());
      this.request();
    });
    this.syncs.start();
  }

  /** Before the database and broker connections close (they close at application shutdown). */
  async onModuleDestroy(): Promise<void> {
    await this.syncs.stop();
  }

  /** Some worker joined, left or changed: sync after the debounce window. */
  request(options: { force?: boolean } = {}): void {
    this.syncs.request(options);
  }

  /** An `information` report was applied: sync only if it may change the lists. */
  informationApplied(
    before: Worker,
    patch: Pick<WorkerFactsPatch, 'ip' | 'wg_public_key' | 'tunnel_port'>,
  ): void {
    const wasActive = isWorkerActive(before, new Date(), this.config.workerTimeoutMs);
    if (informationAffectsPeers(before, patch, wasActive)) this.request();
  }

  private async sync(force: boolean): Promise<void> {
    const [workers, subnets] = await Promise.all([this.workers.list(), this.subnets.assignments()]);
    const snapshot = {
      ...peerSnapshotOf(workers, subnets, new Date(), this.config.workerTimeoutMs),
      remote: this.remote,
    };
    const key = snapshotKey(snapshot);
    if (!force && key === this.lastKey) return;
    const revision = await this.revisions.next();
    this.publish(snapshot, revision);
    this.lastKey = key;
  }

  private publish(snapshot: PeerSnapshot, revision: number): void {
    for (const workerId of snapshot.recipients) {
      this.messaging.peers(workerId, { revision, peers: peersFor(snapshot, workerId) });
    }
    this.logger.info(
      {
        revision,
        recipients: snapshot.recipients.length,
        peers: snapshot.peers.map((p) => `${p.id}@${p.endpoint}:${p.port}`),
        remote: (snapshot.remote ?? []).map((p) => `${p.id}@${p.endpoint}:${p.port}`),
      },
      'tunnel peer lists published',
    );
  }
}
