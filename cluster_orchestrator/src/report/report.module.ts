import { Module } from '@nestjs/common';
import { InstancesModule } from '../instances/instances.module';
import { NetworkModule } from '../network/network.module';
import { WorkersDataModule } from '../workers/workers-data.module';
import { ReportBuilder } from './report-builder.service';

/** The periodic report to the root (aggregated capacity and instance statuses). */
@Module({
  imports: [InstancesModule, WorkersDataModule, NetworkModule],
  providers: [ReportBuilder],
  exports: [ReportBuilder],
})
export class ReportModule {}
