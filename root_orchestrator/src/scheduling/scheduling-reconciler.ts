import { withTimeout } from '@canopy/common';
import { InstanceStatus, NegativeSchedulingStatus } from '@canopy/contracts';
import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { generationOf, isAwaitingClusterPlacement } from '../clusters/instance-assignment';
import { ServiceRepository } from '../services/service.repository';
import { RECONCILE_INTERVAL_MS } from './scheduling.constants';
import { SchedulingQueue } from './scheduling-queue.repository';

/** Instance statuses that mean "waiting for a cluster" (the root scheduler's work). */
const AWAITING_PLACEMENT: readonly string[] = [
  InstanceStatus.REQUESTED,
  NegativeSchedulingStatus.TARGET_CLUSTER_NOT_FOUND,
  NegativeSchedulingStatus.TARGET_CLUSTER_NOT_ACTIVE,
  NegativeSchedulingStatus.TARGET_CLUSTER_NO_CAPACITY,
  NegativeSchedulingStatus.NO_ACTIVE_CLUSTER_WITH_CAPACITY,
];

/**
 * Re-derives the queue from the database (the source of truth): at boot and every minute, every
 * instance waiting for a cluster (REQUESTED, or refused by a placement and retried) gets its
 * scheduling job for its generation (a no-op when it exists, thanks to deterministic
 * ids). Covers jobs lost with Redis and enqueues that timed out while Redis was away.
 */
@Injectable()
export class SchedulingReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private pass: Promise<void> = Promise.resolve();

  constructor(
    private readonly services: ServiceRepository,
    private readonly queue: SchedulingQueue,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('SchedulingReconciler');
  }

  onApplicationBootstrap(): void {
    this.pass = this.reconcile();
    this.timer = setInterval(() => {
      this.pass = this.pass.then(() => this.reconcile());
    }, RECONCILE_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await withTimeout(this.pass, 3_000, 'scheduling reconcile').catch(() => undefined);
  }

  /** One pass; never throws. Stops at the first failed enqueue (Redis is away: next pass). */
  async reconcile(): Promise<void> {
    try {
      let queued = 0;
      for (const service of await this.services.findWithInstanceStatuses(AWAITING_PLACEMENT)) {
        for (const instance of service.instance_list) {
          if (!isAwaitingClusterPlacement(instance)) continue;
          const generation = generationOf(instance);
          if (!(await this.queue.enqueue(service.id, instance.instance_number, generation))) return;
          queued++;
        }
      }
      if (queued > 0) this.logger.debug({ queued }, 'scheduling jobs re-derived');
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'scheduling reconcile pass failed');
    }
  }
}
