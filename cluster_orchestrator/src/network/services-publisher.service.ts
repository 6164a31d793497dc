import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { ClusterInstanceRepository } from '../instances/cluster-instance.repository';
import { WorkerMessaging } from '../worker-link/worker-messaging.repository';
import { LevelTriggeredSync } from './level-triggered-sync';
import { WorkerRepository } from '../workers/worker.repository';
import { isWorkerActive } from '../workers/worker.rules';
import { NetPeersRevisionRepository, RevisionSequence } from './net-peers-revision.repository';
import {
  servicesSnapshotKey,
  servicesSnapshotOf,
  type ServicesSnapshot,
} from './net-services.rules';

/**
 * Reports within this window are published as one table. Short: a client's traffic to a service
 * must work within ~1 s of an instance coming up (issue 6), and the worker's report is the event.
 */
export const SERVICES_DEBOUNCE_MS = 100;
/**
 * How often the table is compared with the last published one: catches what no report announces
 * (an instance record removed by an undeploy command, a worker timing out, a lost event).
 */
export const SERVICES_CHECK_INTERVAL_MS = 1_000;

/**
 * Service tables within the cluster (issue 6, control plane): every active worker gets, retained
 * on `nodes/<id>/net/services`, every service with at least one instance whose namespace its
 * worker reported (`net/service/deployed`), with the service's ServiceIPs (from the root's job
 * document) and the instances' InstanceIPs and namespace IPs. Same pattern as PeersPublisher:
 * level-triggered full tables read from the database, debounced, syncs never overlap, one
 * persisted monotonic revision per sync (its own sequence) so a worker drops a late older table.
 *
 * Cross-cluster services (root interest registration) are not in these tables yet.
 */
@Injectable()
export class ServicesPublisher implements OnApplicationBootstrap, OnModuleDestroy {
  private lastKey: string | undefined;
  private readonly syncs = new LevelTriggeredSync({
    debounceMs: SERVICES_DEBOUNCE_MS,
    intervalMs: SERVICES_CHECK_INTERVAL_MS,
    run: (force) => this.sync(force),
    // lastKey is unchanged, so the next periodic check sees the difference and retries.
    onError: (error) => this.logger.warn({ error: error.message }, 'service table sync failed'),
  });

  constructor(
    private readonly config: ClusterConfig,
    private readonly workers: WorkerRepository,
    private readonly instances: ClusterInstanceRepository,
    private readonly revisions: NetPeersRevisionRepository,
    private readonly messaging: WorkerMessaging,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('ServicesPublisher');
  }

  onApplicationBootstrap(): void {
    // Boot and every broker (re)connect: publish the current tables (retained messages may be
    // gone, and this process does not know what an earlier one published).
    this.request({ force: true });
    this.messaging.onConnect(() => this.request({ force: true }));
    this.syncs.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.syncs.stop();
  }

  /** An instance's namespace came or went, or the worker set changed: sync after the debounce. */
  request(options: { force?: boolean } = {}): void {
    this.syncs.request(options);
  }

  /** Resolves once no sync is wanted or running (tests). */
  settled(): Promise<void> {
    return this.syncs.settled();
  }

  private async sync(force: boolean): Promise<void> {
    const [workers, instances] = await Promise.all([this.workers.list(), this.instances.list()]);
    const now = new Date();
    const active = workers
      .filter((w) => isWorkerActive(w, now, this.config.workerTimeoutMs))
      .map((w) => w.id);
    const snapshot = servicesSnapshotOf(instances, active);
    const key = servicesSnapshotKey(snapshot);
    if (!force && key === this.lastKey) return;
    const revision = await this.revisions.next(RevisionSequence.SERVICES);
    this.publish(snapshot, revision);
    this.lastKey = key;
  }

  private publish(snapshot: ServicesSnapshot, revision: number): void {
    for (const workerId of snapshot.recipients) {
      this.messaging.services(workerId, { revision, services: snapshot.services });
    }
    this.logger.info(
      {
        revision,
        recipients: snapshot.recipients.length,
        services: snapshot.services.map((s) => `${s.job_name}×${s.instances.length}`),
      },
      'service tables published',
    );
  }
}
