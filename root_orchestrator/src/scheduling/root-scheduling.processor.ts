import { QueueName, type ScheduleInstanceJobData } from '@canopy/contracts';
import { absorbLateConnectionErrors } from '@canopy/server';
import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import type { OnApplicationBootstrap } from '@nestjs/common';
import { DelayedError, type Job } from 'bullmq';
import { PinoLogger } from 'nestjs-pino';
import { RootConfig } from '../config/root-config';
import { RootSchedulingService, type ScheduleOutcome } from './root-scheduling.service';

/**
 * Lock settings: a job runs for milliseconds, so a short lock costs nothing, and it bounds how long
 * a job that was active when its root died (SIGKILL, power loss) stays locked before BullMQ's
 * stall check hands it back — 15 s instead of BullMQ's 60 s. Until then it cannot be removed; it
 * is dropped when it runs again if its instance is gone.
 */
export const SCHEDULING_WORKER_OPTIONS = { lockDuration: 10_000, stalledInterval: 5_000 } as const;

/**
 * Consumes the root scheduling queue. A job whose instance cannot be placed yet is moved back to
 * "delayed" (not failed: no attempt is used up), so it stays in Redis — surviving restarts — and
 * runs again after SCHEDULING_RETRY_INTERVAL. A job whose instance is gone completes and is
 * removed.
 */
@Processor(QueueName.ROOT_SCHEDULING, SCHEDULING_WORKER_OPTIONS)
export class RootSchedulingProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    private readonly scheduling: RootSchedulingService,
    private readonly config: RootConfig,
    private readonly logger: PinoLogger,
  ) {
    super();
    logger.setContext('RootSchedulingProcessor');
  }

  onApplicationBootstrap(): void {
    absorbLateConnectionErrors(this.worker);
  }

  async process(job: Job<ScheduleInstanceJobData>, token?: string): Promise<ScheduleOutcome> {
    const outcome = await this.scheduling.schedule(job.data);
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

  /** Redis outages are logged by the shared client; an unhandled 'error' event would crash. */
  @OnWorkerEvent('error')
  onError(error: Error): void {
    this.logger.debug({ error: error.message }, 'scheduling worker error');
  }
}
