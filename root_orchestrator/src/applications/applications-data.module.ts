import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ApplicationRepository } from './application.repository';
import { ApplicationRecord, ApplicationSchema } from './application.schema';

/** The `applications` collection and its repository (services and users read it too). */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: ApplicationRecord.name, schema: ApplicationSchema }]),
  ],
  providers: [ApplicationRepository],
  exports: [ApplicationRepository],
})
export class ApplicationsDataModule {}
