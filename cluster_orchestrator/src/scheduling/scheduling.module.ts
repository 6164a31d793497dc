import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { WorkerLinkModule } from '../worker-link/worker-link.module';
import { WorkersDataModule } from '../workers/workers-data.module';
import { SchedulingQueueModule } from './scheduling-queue.module';
import { ReservationAuditor } from './reservation-auditor.service';
import { SchedulingReconciler } from './scheduling-reconciler';
import { WorkerPlacementProcessor } from './worker-placement.processor';
import { WorkerFailoverService } from './worker-failover.service';
import { WorkerPlacementService } from './worker-placement.service';

/** The cluster scheduler: BullMQ consumer, placement over workers, and its reconciler. */
@Module({
  imports: [SchedulingQueueModule, InstancesModule, WorkersDataModule, WorkerLinkModule],
  providers: [
    WorkerPlacementService,
    WorkerPlacementProcessor,
    SchedulingReconciler,
    WorkerFailoverService,
    ReservationAuditor,
  ],
  exports: [WorkerPlacementService],
})
export class SchedulingModule {}
