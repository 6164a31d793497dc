import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ServicesDataModule } from '../services/services-data.module';
import { AddressAllocator } from './address-allocator.service';
import {
  NetworkAddressRecord,
  NetworkAddressSchema,
  PoolCursorRecord,
  PoolCursorSchema,
} from './network-address.schema';
import { NetworkAddressRepository } from './network-address.repository';
import { NetworkAddressSweeper } from './network-address.sweeper';
import { NetworkAddressesService } from './network-addresses.service';

/**
 * Address allocation (claims, cursors, the orphan sweep). Imported by the services and instances
 * features, which allocate and release as they create and delete; the HTTP side is NetworkModule.
 * One AddressAllocator per process: its in-memory cursors are what keeps concurrent allocations
 * apart.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: NetworkAddressRecord.name, schema: NetworkAddressSchema },
      { name: PoolCursorRecord.name, schema: PoolCursorSchema },
    ]),
    ServicesDataModule,
  ],
  providers: [
    NetworkAddressRepository,
    AddressAllocator,
    NetworkAddressesService,
    NetworkAddressSweeper,
  ],
  exports: [NetworkAddressesService],
})
export class NetworkAddressesModule {}
