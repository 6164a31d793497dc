import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ServiceRepository } from './service.repository';
import { ServiceRecord, ServiceSchema } from './service.schema';

/** The `services` collection and its repository (instances and scheduling use it too). */
@Module({
  imports: [MongooseModule.forFeature([{ name: ServiceRecord.name, schema: ServiceSchema }])],
  providers: [ServiceRepository],
  exports: [ServiceRepository],
})
export class ServicesDataModule {}
