import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ServicesDataModule } from '../services/services-data.module';
import { ServicesModule } from '../services/services.module';
import { NetinfoController } from './netinfo.controller';
import { NetinfoService } from './netinfo.service';
import { NetworkAddressesModule } from './network-addresses.module';

/** The root network manager's public side: Oakestra's netinfo routes. */
@Module({
  imports: [AuthModule, NetworkAddressesModule, ServicesModule, ServicesDataModule],
  controllers: [NetinfoController],
  providers: [NetinfoService],
})
export class NetworkModule {}
