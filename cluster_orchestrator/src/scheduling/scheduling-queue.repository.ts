import { withTimeout } from '@canopy/common';
import { absorbLateConnectionErrors } from '@canopy/server';
import {
  type ClusterSchedulingJobData,
  JobName,
  QueueName,
  scheduleInstanceJobId,
} from '@canopy/contracts';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';

/** Redis calls give up after this long; the database stays the source of truth. */
export const QUEUE_CALL_TIMEOUT_MS = 2_000;

/**
 * The cluster scheduling queue (BullMQ): the only code adding or removing its jobs. Job ids are
 * deterministic (`schedule.<serviceId>.<n>.<generation>`), so enqueueing twice is one job. When
 * Redis is away the enqueue reports false and the SchedulingReconciler enqueues later from the
 * database.
 */
@Injectable()
export class ClusterSchedulingQueue {
  constructor(
    @InjectQueue(QueueName.CLUSTER_SCHEDULING)
    private readonly queue: Queue<ClusterSchedulingJobData>,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('ClusterSchedulingQueue');
    queue.on('error', (error: Error) => logger.debug({ error: error.message }, 'queue error'));
    absorbLateConnectionErrors(queue);
  }

  async enqueue(serviceId: string, instanceNumber: number, generation: number): Promise<boolean> {
    const data: ClusterSchedulingJobData = { serviceId, instanceNumber, generation };
    try {
      await withTimeout(
        this.queue.add(JobName.SCHEDULE_INSTANCE, data, {
          jobId: scheduleInstanceJobId(serviceId, instanceNumber, generation),
        }),
        QUEUE_CALL_TIMEOUT_MS,
        'enqueue cluster scheduling job',
      );
      return true;
    } catch (error) {
      this.logger.warn(
        { serviceId, instanceNumber, error: (error as Error).message },
        'could not queue the scheduling job; the reconciler will retry',
      );
      return false;
    }
  }

  /** Best effort: a job that runs anyway is dropped because its instance is gone. */
  async remove(serviceId: string, instanceNumber: number, generation: number): Promise<void> {
    const jobId = scheduleInstanceJobId(serviceId, instanceNumber, generation);
    try {
      await withTimeout(this.queue.remove(jobId), QUEUE_CALL_TIMEOUT_MS, 'remove job');
    } catch (error) {
      this.logger.debug({ jobId, error: (error as Error).message }, 'could not remove job');
    }
  }
}
