import { QueueName } from '@canopy/contracts';
import { REDIS_CLIENT } from '@canopy/server';
import { BullModule } from '@nestjs/bullmq';
import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { ClusterConfig } from '../config/cluster-config';
import { ClusterSchedulingQueue } from './scheduling-queue.repository';

/**
 * The cluster scheduling queue on BullMQ, on the app's shared ioredis client, keys prefixed per
 * cluster (several clusters may share one Redis).
 */
@Module({
  imports: [
    BullModule.forRootAsync({
      inject: [REDIS_CLIENT, ClusterConfig],
      useFactory: (client: Redis, config: ClusterConfig) => ({
        connection: client,
        prefix: config.bullmqPrefix,
      }),
    }),
    BullModule.registerQueue({
      name: QueueName.CLUSTER_SCHEDULING,
      defaultJobOptions: {
        removeOnComplete: true,
        removeOnFail: true,
        attempts: 5,
        backoff: { type: 'exponential', delay: 1_000 },
      },
    }),
  ],
  providers: [ClusterSchedulingQueue],
  exports: [ClusterSchedulingQueue, BullModule],
})
export class SchedulingQueueModule {}
