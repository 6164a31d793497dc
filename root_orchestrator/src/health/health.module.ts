import { HealthChecksModule } from '@canopy/server';
import { Module } from '@nestjs/common';

/** `GET /health`: the root depends on MongoDB (state) and Redis (BullMQ queues). */
@Module({
  imports: [HealthChecksModule.forRoot({ checks: ['mongodb', 'redis'] })],
})
export class HealthModule {}
