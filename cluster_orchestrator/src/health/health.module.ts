import { HealthChecksModule } from '@canopy/server';
import { Module } from '@nestjs/common';

/** `GET /health`: the cluster depends on MongoDB (state), Redis (BullMQ) and MQTT (its workers). */
@Module({
  imports: [HealthChecksModule.forRoot({ checks: ['mongodb', 'redis', 'mqtt'] })],
})
export class HealthModule {}
