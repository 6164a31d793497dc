import { Module } from '@nestjs/common';
import { DynsecClient } from './dynsec.client';
import { WorkerCredentialsService } from './worker-credentials.service';

/**
 * The cluster's administration of its MQTT broker (Mosquitto dynamic-security plugin): per-worker
 * credentials and ACLs. Needs the global MqttClientModule, connected as a dynsec admin.
 */
@Module({
  providers: [DynsecClient, WorkerCredentialsService],
  exports: [DynsecClient, WorkerCredentialsService],
})
export class BrokerModule {}
