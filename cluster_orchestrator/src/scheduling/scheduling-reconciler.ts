import { InstanceStatus } from '@canopy/contracts';
import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterInstanceRepository } from '../instances/cluster-instance.repository';
import { WorkerMessaging } from '../worker-link/worker-messaging.repository';
import { ClusterSchedulingQueue } from './scheduling-queue.repository';
import { AWAITING_WORKER, deployPayloadOf } from './worker-placement.rules';

export const SCHEDULING_RECONCILE_INTERVAL_MS = 10_000;

/**
 * Level-triggered safety net (DESIGN.md "Reconcile, at every tier"), at boot and every
 * SCHEDULING_RECONCILE_INTERVAL_MS:
 * - every instance waiting for a worker gets its scheduling job (deterministic id: a no-op when
 *   queued), so losing Redis or a crash between the DB write and the enqueue delays, never loses;
 * - every NODE_SCHEDULED instance's deploy is published again (the worker ignores a generation
 *   it already has), so a deploy lost while the worker was offline arrives eventually.
 */
@Injectable()
export class SchedulingReconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly instances: ClusterInstanceRepository,
    private readonly queue: ClusterSchedulingQueue,
    private readonly messaging: WorkerMessaging,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('SchedulingReconciler');
  }

  onApplicationBootstrap(): void {
    void this.pass();
    this.timer = setInterval(() => void this.pass(), SCHEDULING_RECONCILE_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async pass(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      const waiting = await this.instances.listInStatus(AWAITING_WORKER);
      for (const i of waiting) {
        if (i.reservation === null) {
          await this.queue.enqueue(i.service_id, i.instance_number, i.generation);
        }
      }
      const sent = await this.instances.listInStatus([InstanceStatus.NODE_SCHEDULED]);
      for (const i of sent) {
        const payload = deployPayloadOf(i);
        if (payload.ok && i.worker_id !== '') this.messaging.deploy(i.worker_id, payload.body);
      }
      if (waiting.length + sent.length > 0) {
        this.logger.debug({ waiting: waiting.length, resent: sent.length }, 'reconcile pass');
      }
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'scheduling reconcile pass failed');
    } finally {
      this.running = false;
    }
  }
}
