import { withTimeout } from '@canopy/common';
import { InstanceStatus } from '@canopy/contracts';
import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { SessionRegistry } from '../cluster-session/session-registry';
import { NetworkInterestService } from '../network-interest/network-interest.service';
import { SchedulingQueue } from '../scheduling/scheduling-queue.repository';
import { ServiceRepository } from '../services/service.repository';
import type { Cluster } from './cluster.model';
import { ClusterRepository } from './cluster.repository';
import { ClusterGrace } from './cluster-grace';
import { livenessOf } from './cluster-liveness';
import { generationOf, isPlacedOn } from './instance-assignment';

/** How often liveness is judged. Cheap: one read of the (small) clusters collection. */
export const LIVENESS_CHECK_INTERVAL_MS = 1_000;

/**
 * Watches cluster liveness (DESIGN.md "Failure"):
 * - records transitions active ↔ inactive (`active`, `inactive_since`), and logs them;
 * - closes the session of a cluster that went silent while its stream looks open (half-open
 *   connection), so a live cluster re-dials;
 * - once a cluster has been inactive for CLUSTER_RESCHEDULE_GRACE (counted from the root's start
 *   at the earliest: see ClusterGrace), moves its instances back to
 *   REQUESTED with a new generation and queues them for placement on other clusters. When the
 *   cluster comes back, its report lists them and the reconcile undeploys them there.
 */
@Injectable()
export class ClusterFailoverService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();
  private running = false;
  /** Clusters whose instances were moved for their current inactivity (by inactive_since). */
  private readonly handled = new Map<string, number>();

  constructor(
    private readonly clusters: ClusterRepository,
    private readonly services: ServiceRepository,
    private readonly queue: SchedulingQueue,
    private readonly sessions: SessionRegistry,
    private readonly grace: ClusterGrace,
    private readonly tables: NetworkInterestService,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('ClusterFailover');
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      if (this.running) return;
      this.running = true;
      this.pass = this.check(new Date()).finally(() => (this.running = false));
    }, LIVENESS_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await withTimeout(this.pass, 3_000, 'cluster liveness pass').catch(() => undefined);
  }

  /** One pass; never throws. */
  async check(now: Date): Promise<void> {
    try {
      for (const cluster of await this.clusters.list()) await this.checkCluster(cluster, now);
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'cluster liveness pass failed');
    }
  }

  private async checkCluster(cluster: Cluster, now: Date): Promise<void> {
    const liveness = livenessOf(cluster, now);
    const since = liveness.inactiveSince?.getTime() ?? null;
    if (
      liveness.active !== cluster.active ||
      since !== (cluster.inactive_since?.getTime() ?? null)
    ) {
      await this.clusters.setLiveness(cluster.id, liveness.active, liveness.inactiveSince);
      if (liveness.active !== cluster.active) {
        this.logger[liveness.active ? 'info' : 'warn'](
          {
            clusterId: cluster.id,
            name: cluster.cluster_name,
            lastSeen: liveness.lastSeen.toISOString(),
            connected: cluster.connected,
          },
          liveness.active ? 'cluster active' : 'cluster inactive',
        );
      }
    }
    if (liveness.active) {
      this.handled.delete(cluster.id);
      return;
    }
    if (cluster.connected && this.sessions.get(cluster.id)) {
      this.sessions.get(cluster.id)?.close(`silent for 3 report periods`);
    }
    if (since === null || this.handled.get(cluster.id) === since) return;
    if (!this.grace.expired(liveness, now)) return;
    const moved = await this.reschedule(
      cluster,
      `rescheduling: cluster ${cluster.cluster_name} inactive since ${(liveness.inactiveSince as Date).toISOString()}`,
    );
    this.handled.set(cluster.id, since);
    if (moved > 0) {
      this.logger.warn(
        {
          clusterId: cluster.id,
          name: cluster.cluster_name,
          moved,
          graceMs: this.grace.graceMs,
        },
        'grace period over: instances of the inactive cluster queued for placement elsewhere',
      );
    }
  }

  /**
   * Moves every instance placed on the cluster back to REQUESTED (next generation), with
   * `detail` as the reason, and queues it; returns how many.
   */
  async reschedule(cluster: Pick<Cluster, 'id' | 'cluster_name'>, detail: string): Promise<number> {
    let moved = 0;
    for (const service of await this.services.findPlacedOnClusters([cluster.id])) {
      const numbers: { n: number; generation: number }[] = [];
      await this.services.modifyInstances(service.id, (current) => {
        numbers.length = 0;
        let changed = false;
        const instance_list = current.instance_list.map((instance) => {
          if (!isPlacedOn(instance, cluster.id)) return instance;
          changed = true;
          const generation = generationOf(instance) + 1;
          numbers.push({ n: instance.instance_number, generation });
          const { cluster_id: _id, cluster_location: _location, ...rest } = instance;
          return {
            ...rest,
            status: InstanceStatus.REQUESTED,
            status_detail: detail,
            generation,
            last_modified_timestamp: Date.now() / 1000,
          };
        });
        return changed
          ? { instance_list, status: InstanceStatus.REQUESTED, status_detail: detail }
          : null;
      });
      for (const { n, generation } of numbers) await this.queue.enqueue(service.id, n, generation);
      moved += numbers.length;
    }
    if (moved > 0) this.tables.changed();
    return moved;
  }
}
