import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ClusterSessionModule } from '../cluster-session/cluster-session.module';
import { NetworkAddressesModule } from '../network/network-addresses.module';
import { SchedulingModule } from '../scheduling/scheduling.module';
import { ServicesDataModule } from '../services/services-data.module';
import { ServicesModule } from '../services/services.module';
import { InstancesController } from './instances.controller';
import { InstancesService } from './instances.service';
import { NetworkInterestModule } from '../network-interest/network-interest.module';

@Module({
  imports: [
    AuthModule,
    ServicesModule,
    ServicesDataModule,
    SchedulingModule,
    ClusterSessionModule,
    NetworkAddressesModule,
    NetworkInterestModule,
  ],
  controllers: [InstancesController],
  providers: [InstancesService],
})
export class InstancesModule {}
