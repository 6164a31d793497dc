import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { OrganizationRepository } from './organization.repository';
import { OrganizationRecord, OrganizationSchema } from './organization.schema';

/** The `organizations` collection and its repository. */
@Module({
  imports: [
    MongooseModule.forFeature([{ name: OrganizationRecord.name, schema: OrganizationSchema }]),
  ],
  providers: [OrganizationRepository],
  exports: [OrganizationRepository],
})
export class OrganizationsDataModule {}
