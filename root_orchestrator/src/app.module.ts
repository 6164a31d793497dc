import { CanopyLoggerModule, MetricsModule, mongoModule, RedisModule } from '@canopy/server';
import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import { RootConfigModule } from './config/root-config.module';
import type { RootConfig } from './config/root-config';
import { HealthModule } from './health/health.module';

export const SERVICE_NAME = 'root_orchestrator';
export const METRICS_PREFIX = 'canopy_root';

/**
 * Built from an already validated config (so tests construct it without touching process.env)
 * and the app's logger (shared with start-up logging, see create-*-app.ts).
 */
@Module({})
export class AppModule {
  static forRoot(config: RootConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RootConfigModule.forRoot(config),
        CanopyLoggerModule.forLogger(logger),
        mongoModule({ url: config.MONGO_URL, dbName: config.mongoDatabase }),
        RedisModule.forRoot({ url: config.REDIS_URL, connectionName: SERVICE_NAME }),
        MetricsModule.forRoot({ prefix: METRICS_PREFIX }),
        HealthModule,
      ],
    };
  }
}
