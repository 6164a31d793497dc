import {
  isScheduleInstanceJobData,
  QueueName,
  type ClusterSchedulingJobData,
} from '@canopy/contracts';
import { absorbLateConnectionErrors } from '@canopy/server';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { WorkerPlacementService, type WorkerPlacementOutcome } from './worker-placement.service';

/**
 * Consumes the cluster scheduling queue, several jobs at once: correctness under concurrency
 * comes from the atomic reservation, not from serialising placements. A job that cannot be
 * placed yet moves back to "delayed" (no attempt used up) and runs again after
 * CLUSTER_SCHEDULING_RETRY_INTERVAL, so an instance lands as soon as a worker frees capacity
 * or joins. Short locks: a job that was active when the cluster died is handed back in ~15 s.
 */
@Processor(QueueName.CLUSTER_SCHEDULING, {
  concurrency: 8,
  lockDuration: 10_000,
  stalledInterval: 5_000,
})
export class WorkerPlacementProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly placement: WorkerPlacementService,
    private readonly config: ClusterConfig,
    private readonly logger: PinoLogger,
  ) {
    super();
    logger.setContext('WorkerPlacementProcessor');
  }

  onApplicationBootstrap(): void {
    absorbLateConnectionErrors(this.worker);
  }

  async process(
    job: Job<ClusterSchedulingJobData>,
    token?: string,
  ): Promise<WorkerPlacementOutcome> {
    if (!isScheduleInstanceJobData(job.data)) return 'dropped';
    const outcome = await this.placement.place(job.data);
    if (outcome === 'pending' && token !== undefined) {
      await job.moveToDelayed(Date.now() + this.config.schedulingRetryIntervalMs, token);
      throw new DelayedError();
    }
    return outcome;
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job | undefined, error: Error): void {
    this.logger.warn({ jobId: job?.id, error: error.message }, 'scheduling job failed');
  }

  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.debug({ error: error.message }, 'scheduling worker error');
  }
}
