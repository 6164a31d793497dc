import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { WorkerRepository } from './worker.repository';
import { WorkerRecord, WorkerSchema } from './worker.schema';

/** The `workers` collection, for every feature that reads or reserves worker capacity. */
@Module({
  imports: [MongooseModule.forFeature([{ name: WorkerRecord.name, schema: WorkerSchema }])],
  providers: [WorkerRepository],
  exports: [WorkerRepository],
})
export class WorkersDataModule {}
