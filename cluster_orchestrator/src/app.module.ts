import {
  CanopyLoggerModule,
  MetricsModule,
  mongoModule,
  MqttClientModule,
  RedisModule,
} from '@canopy/server';
import { type DynamicModule, Module } from '@nestjs/common';
import type { Logger } from 'pino';
import type { ClusterConfig } from './config/cluster-config';
import { ClusterConfigModule } from './config/cluster-config.module';
import { HealthModule } from './health/health.module';
import { InstancesModule } from './instances/instances.module';
import { ClusterMetricsModule } from './metrics/cluster-metrics.module';
import { ReportTriggerModule } from './report/report-trigger.module';
import { RootLinkModule } from './root-link/root-link.module';
import { SchedulingModule } from './scheduling/scheduling.module';
import { WorkersModule } from './workers/workers.module';

export const SERVICE_NAME = 'cluster_orchestrator';
export const METRICS_PREFIX = 'canopy_cluster';

/**
 * Built from an already validated config (so tests construct it without touching process.env)
 * and the app's logger (shared with start-up logging, see create-*-app.ts).
 */
@Module({})
export class AppModule {
  static forRoot(config: ClusterConfig, logger: Logger): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ClusterConfigModule.forRoot(config),
        CanopyLoggerModule.forLogger(logger),
        mongoModule({ url: config.MONGO_URL, dbName: config.mongoDatabase }),
        RedisModule.forRoot({
          url: config.REDIS_URL,
          connectionName: `${SERVICE_NAME}-${config.CLUSTER_NAME}`,
        }),
        MqttClientModule.forRoot({
          url: config.MQTT_URL,
          clientIdPrefix: `canopy-cluster-${config.CLUSTER_NAME}`,
          username: config.MQTT_USERNAME,
          password: config.MQTT_PASSWORD,
        }),
        MetricsModule.forRoot({ prefix: METRICS_PREFIX }),
        ClusterMetricsModule,
        HealthModule,
        ReportTriggerModule,
        InstancesModule,
        WorkersModule,
        SchedulingModule,
        RootLinkModule,
      ],
    };
  }
}
