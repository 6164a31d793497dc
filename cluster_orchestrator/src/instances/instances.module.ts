import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { SchedulingQueueModule } from '../scheduling/scheduling-queue.module';
import { WorkerLinkModule } from '../worker-link/worker-link.module';
import { WorkersDataModule } from '../workers/workers-data.module';
import { ClusterInstanceRepository } from './cluster-instance.repository';
import { ClusterInstanceRecord, ClusterInstanceSchema } from './cluster-instance.schema';
import { InstanceCommandsService } from './instance-commands.service';
import { PlacementRelease } from './placement-release.service';

/** The instances the root placed on this cluster, and the commands that change them. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: ClusterInstanceRecord.name, schema: ClusterInstanceSchema },
    ]),
    SchedulingQueueModule,
    WorkersDataModule,
    WorkerLinkModule,
  ],
  providers: [ClusterInstanceRepository, InstanceCommandsService, PlacementRelease],
  exports: [ClusterInstanceRepository, InstanceCommandsService, PlacementRelease],
})
export class InstancesModule {}
