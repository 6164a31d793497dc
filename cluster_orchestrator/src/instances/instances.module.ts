import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ClusterInstanceRepository } from './cluster-instance.repository';
import { ClusterInstanceRecord, ClusterInstanceSchema } from './cluster-instance.schema';
import { InstanceCommandsService } from './instance-commands.service';

/** The instances the root placed on this cluster, and the commands that change them. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: ClusterInstanceRecord.name, schema: ClusterInstanceSchema },
    ]),
  ],
  providers: [ClusterInstanceRepository, InstanceCommandsService],
  exports: [ClusterInstanceRepository, InstanceCommandsService],
})
export class InstancesModule {}
