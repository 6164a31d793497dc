import { InstanceStatus } from '@canopy/contracts';
import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { ClusterInstanceRepository } from '../instances/cluster-instance.repository';
import { ReportTrigger } from '../report/report-trigger';
import { WorkerRepository } from '../workers/worker.repository';
import { isWorkerActive } from '../workers/worker.rules';
import { ClusterSchedulingQueue } from './scheduling-queue.repository';
import { instancesToMove, isWorkerLost } from './worker-failover.rules';

/** How often lost workers are looked for. */
export const FAILOVER_CHECK_INTERVAL_MS = 1_000;

/**
 * Moves the instances of lost workers (inactive for longer than WORKER_RESCHEDULE_GRACE) to other
 * workers: each instance is taken off its worker in one conditional update (CLUSTER_SCHEDULED
 * with a detail naming the lost worker), its reservation there is given back, and it is queued
 * for the cluster scheduler, which places it on an active worker or reports NO_WORKER_CAPACITY &
 * co. and keeps retrying. See worker-failover.rules.ts for what stays.
 */
@Injectable()
export class WorkerFailoverService implements OnApplicationBootstrap, OnApplicationShutdown {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly config: ClusterConfig,
    private readonly workers: WorkerRepository,
    private readonly instances: ClusterInstanceRepository,
    private readonly queue: ClusterSchedulingQueue,
    private readonly reports: ReportTrigger,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('WorkerFailover');
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.check(), FAILOVER_CHECK_INTERVAL_MS);
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** One pass; returns how many instances were moved off lost workers. */
  async check(now = new Date()): Promise<number> {
    if (this.running) return 0;
    this.running = true;
    try {
      const workers = await this.workers.list();
      const lost = workers.filter((w) =>
        isWorkerLost(
          w,
          now,
          isWorkerActive(w, now, this.config.workerTimeoutMs),
          this.config.workerRescheduleGraceMs,
        ),
      );
      if (lost.length === 0) return 0;
      const lostIds = new Set(lost.map((w) => w.id));
      const moving = instancesToMove(lostIds, await this.instances.list());
      let moved = 0;
      for (const instance of moving) {
        const host = lost.find((w) => w.id === instance.worker_id)?.host ?? instance.worker_id;
        const taken = await this.instances.unassignFromWorker(
          instance.service_id,
          instance.instance_number,
          instance.generation,
          instance.worker_id,
          InstanceStatus.CLUSTER_SCHEDULED,
          `worker ${host} lost; placing the instance on another worker`,
        );
        if (taken === undefined) continue; // moved, removed or redeployed meanwhile
        if (taken.reservation !== null) {
          const { worker_id, ...amounts } = taken.reservation;
          await this.workers.release(worker_id, amounts);
        }
        await this.queue.enqueue(
          instance.service_id,
          instance.instance_number,
          instance.generation,
        );
        moved++;
        this.logger.warn(
          {
            serviceId: instance.service_id,
            instance: instance.instance_number,
            lostWorker: instance.worker_id,
            host,
          },
          'instance moved off a lost worker',
        );
      }
      if (moved > 0) this.reports.request();
      return moved;
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'failover pass failed');
      return 0;
    } finally {
      this.running = false;
    }
  }
}
