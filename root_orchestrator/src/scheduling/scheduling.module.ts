import { QueueName } from '@canopy/contracts';
import { REDIS_CLIENT } from '@canopy/server';
import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ClusterPlacementModule } from '../clusters/cluster-placement.module';
import { RootConfig } from '../config/root-config';
import { ServicesDataModule } from '../services/services-data.module';
import { RootSchedulingProcessor } from './root-scheduling.processor';
import { RootSchedulingService } from './root-scheduling.service';
import { SchedulingQueue } from './scheduling-queue.repository';
import { SchedulingReconciler } from './scheduling-reconciler';

/**
 * The root scheduling queue on BullMQ. It shares the app's ioredis client (health checks and
 * queue see the same connection; the worker duplicates it for its blocking reads) and prefixes
 * its keys with BULLMQ_PREFIX.
 */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [REDIS_CLIENT, RootConfig],
      useFactory: (client: Redis, config: RootConfig) => ({
        connection: client,
        prefix: config.BULLMQ_PREFIX,
      }),
    }),
    BullModule.registerQueue({
      name: QueueName.ROOT_SCHEDULING,
      defaultJobOptions: {
        // Finished jobs are removed, so a later enqueue of the same id is a new job.
        removeOnComplete: true,
        removeOnFail: true,
        // Unexpected errors (database away) retry with backoff; "cannot place yet" is a delay,
        // not a failure (see RootSchedulingProcessor).
        attempts: 5,
        backoff: { type: 'exponential', delay: 1_000 },
      },
    }),
    ServicesDataModule,
    ClusterPlacementModule,
  ],
  providers: [
    SchedulingQueue,
    RootSchedulingService,
    RootSchedulingProcessor,
    SchedulingReconciler,
  ],
  exports: [SchedulingQueue],
})
export class SchedulingModule {}
