import { createMetricsRegistry } from '@canopy/common';
import { type DynamicModule, Module } from '@nestjs/common';
import type { Registry } from 'prom-client';
import { createHttpRequestDuration } from './http-metrics.middleware';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import {
  HTTP_REQUEST_DURATION,
  METRICS_OPTIONS,
  METRICS_REGISTRY,
  type MetricsModuleOptions,
} from './metrics.tokens';

/**
 * `GET /metrics` for Prometheus, default Node.js metrics, and the HTTP request-duration histogram
 * (observed by the middleware createHttpApp() mounts). Global, so any feature module can inject
 * the registry (@InjectMetricsRegistry()) and register its own `<prefix>_...` metrics.
 */
@Module({})
export class MetricsModule {
  static forRoot(options: MetricsModuleOptions): DynamicModule {
    return {
      module: MetricsModule,
      global: true,
      controllers: [MetricsController],
      providers: [
        { provide: METRICS_OPTIONS, useValue: options },
        {
          provide: METRICS_REGISTRY,
          useFactory: () => createMetricsRegistry(options.prefix, options.labels),
        },
        {
          provide: HTTP_REQUEST_DURATION,
          inject: [METRICS_REGISTRY],
          useFactory: (registry: Registry) => createHttpRequestDuration(registry, options),
        },
        MetricsService,
      ],
      exports: [METRICS_REGISTRY, METRICS_OPTIONS, HTTP_REQUEST_DURATION, MetricsService],
    };
  }
}
