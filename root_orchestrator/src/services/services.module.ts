import { Module } from '@nestjs/common';
import { ApplicationsDataModule } from '../applications/applications-data.module';
import { AuthModule } from '../auth/auth.module';
import { ClusterSessionModule } from '../cluster-session/cluster-session.module';
import { NetworkAddressesModule } from '../network/network-addresses.module';
import { SchedulingModule } from '../scheduling/scheduling.module';
import { ServicesController } from './services.controller';
import { ServicesDataModule } from './services-data.module';
import { ServicesService } from './services.service';
import { NetworkInterestModule } from '../network-interest/network-interest.module';

@Module({
  imports: [
    AuthModule,
    ServicesDataModule,
    ApplicationsDataModule,
    SchedulingModule,
    ClusterSessionModule,
    NetworkAddressesModule,
    NetworkInterestModule,
  ],
  controllers: [ServicesController],
  providers: [ServicesService],
  exports: [ServicesService],
})
export class ServicesModule {}
