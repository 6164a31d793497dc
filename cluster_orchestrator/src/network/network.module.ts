import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { WorkerSubnetRepository } from './worker-subnet.repository';
import { WorkerSubnetRecord, WorkerSubnetSchema } from './worker-subnet.schema';
import { WorkerSubnetService } from './worker-subnet.service';

/** The cluster's share of networking: worker subnets. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: WorkerSubnetRecord.name, schema: WorkerSubnetSchema }]),
  ],
  providers: [WorkerSubnetRepository, WorkerSubnetService],
  exports: [WorkerSubnetService],
})
export class NetworkModule {}
