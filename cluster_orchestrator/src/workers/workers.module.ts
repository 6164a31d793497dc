import { Module } from '@nestjs/common';
import { BrokerModule } from '../broker/broker.module';
import { InstancesModule } from '../instances/instances.module';
import { NetworkModule } from '../network/network.module';
import { WorkerLinkModule } from '../worker-link/worker-link.module';
import { WorkerMessagesService } from './worker-messages.service';
import { WorkerRegistrationController } from './worker-registration.controller';
import { WorkerRegistrationService } from './worker-registration.service';
import { WorkersController } from './workers.controller';
import { WorkersDataModule } from './workers-data.module';
import { WorkersService } from './workers.service';

/** Workers joining (HTTP handshake), what they publish (MQTT), and the operators' view. */
@Module({
  imports: [WorkersDataModule, InstancesModule, BrokerModule, WorkerLinkModule, NetworkModule],
  controllers: [WorkerRegistrationController, WorkersController],
  providers: [WorkerRegistrationService, WorkerMessagesService, WorkersService],
  exports: [WorkerMessagesService],
})
export class WorkersModule {}
