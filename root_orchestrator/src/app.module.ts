import { CanopyLoggerModule, MetricsModule, mongoModule, RedisModule } from '@canopy/server';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import type { Logger } from 'pino';
import { ApplicationsModule } from './applications/applications.module';
import { AuthModule } from './auth/auth.module';
import { ClusterPlacementModule } from './clusters/cluster-placement.module';
import { ClustersModule } from './clusters/clusters.module';
import { BodyShapeInterceptor } from './common/http/body-shape.interceptor';
import { RootConfigModule } from './config/root-config.module';
import type { RootConfig } from './config/root-config';
import { GrpcModule } from './grpc/grpc.module';
import { HealthModule } from './health/health.module';
import { InstancesModule } from './instances/instances.module';
import { NetworkModule } from './network/network.module';
import { OrganizationsModule } from './organizations/organizations.module';
import { SchedulingModule } from './scheduling/scheduling.module';
import { ServicesModule } from './services/services.module';
import { UsersModule } from './users/users.module';

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
        AuthModule,
        UsersModule,
        OrganizationsModule,
        ApplicationsModule,
        ServicesModule,
        InstancesModule,
        NetworkModule,
        SchedulingModule,
        ClustersModule,
        ClusterPlacementModule,
        GrpcModule,
      ],
      providers: [{ provide: APP_INTERCEPTOR, useClass: BodyShapeInterceptor }],
    };
  }
}
