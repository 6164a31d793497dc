import { withTimeout } from '@canopy/common';
import { absorbLateConnectionErrors } from '@canopy/server';
import {
  JobName,
  QueueName,
  type ScheduleInstanceJobData,
  scheduleInstanceJobId,
} from '@canopy/contracts';
import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { INITIAL_GENERATION, QUEUE_CALL_TIMEOUT_MS } from './scheduling.constants';

/**
 * The root scheduling queue (BullMQ on Redis): the only code adding or removing its jobs.
 * Job ids are deterministic (`schedule.<serviceId>.<n>.<generation>`), so enqueueing twice is one
 * job. Redis is not the source of truth: when it is unreachable, calls give up after
 * QUEUE_CALL_TIMEOUT_MS and report false; the database keeps the instance REQUESTED and the
 * SchedulingReconciler enqueues it later.
 */
@Injectable()
export class SchedulingQueue {
  constructor(
    @InjectQueue(QueueName.ROOT_SCHEDULING) private readonly queue: Queue<ScheduleInstanceJobData>,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('SchedulingQueue');
    // Connection errors are already logged once per outage by the shared Redis client; without a
    // listener an 'error' event would crash the process.
    queue.on('error', (error: Error) => logger.debug({ error: error.message }, 'queue error'));
    absorbLateConnectionErrors(queue);
  }

  static jobId(
    serviceId: string,
    instanceNumber: number,
    generation: number = INITIAL_GENERATION,
  ): string {
    return scheduleInstanceJobId(serviceId, instanceNumber, generation);
  }

  /**
   * Queues the scheduling of one instance; false when Redis did not answer in time. The
   * generation is the instance's (bumped when it is rescheduled), so a reschedule is a new job.
   */
  async enqueue(
    serviceId: string,
    instanceNumber: number,
    generation: number = INITIAL_GENERATION,
  ): Promise<boolean> {
    const data: ScheduleInstanceJobData = { serviceId, instanceNumber, generation };
    try {
      await withTimeout(
        this.queue.add(JobName.SCHEDULE_INSTANCE, data, {
          jobId: SchedulingQueue.jobId(serviceId, instanceNumber, generation),
        }),
        QUEUE_CALL_TIMEOUT_MS,
        'enqueue scheduling job',
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

  /**
   * Removes the jobs of these instances. A job being processed at this moment is locked and
   * cannot be removed; it ends by itself, since the processor drops jobs whose instance is gone.
   */
  async removeInstances(
    serviceId: string,
    instances: readonly (number | { instanceNumber: number; generation: number })[],
  ): Promise<void> {
    for (const instance of instances) {
      const jobId =
        typeof instance === 'number'
          ? SchedulingQueue.jobId(serviceId, instance)
          : SchedulingQueue.jobId(serviceId, instance.instanceNumber, instance.generation);
      try {
        await withTimeout(this.removeJob(jobId), QUEUE_CALL_TIMEOUT_MS, 'remove scheduling job');
      } catch (error) {
        this.logger.warn(
          { jobId, error: (error as Error).message },
          'could not remove the scheduling job; it will be dropped when it runs',
        );
      }
    }
  }

  private async removeJob(jobId: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      if ((await this.queue.remove(jobId)) === 1) return;
      if (!(await this.queue.getJob(jobId))) return;
      await new Promise((resolve) => setTimeout(resolve, 50)); // locked by the worker: retry
    }
  }
}
