import { type DynamicModule, Module, type Type } from '@nestjs/common';
import { type HealthIndicatorFunction, TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { HealthService } from './health.service';
import {
  DEFAULT_HEALTH_TIMEOUT_MS,
  type DependencyHealthIndicator,
  type DependencyName,
  HEALTH_CHECKS,
  type HealthChecksModuleOptions,
} from './health.tokens';
import { MongoHealthIndicator } from './mongo-health.indicator';
import { MqttHealthIndicator } from './mqtt-health.indicator';
import { RedisHealthIndicator } from './redis-health.indicator';

const INDICATORS: Record<DependencyName, Type<DependencyHealthIndicator>> = {
  mongodb: MongoHealthIndicator,
  redis: RedisHealthIndicator,
  mqtt: MqttHealthIndicator,
};

/**
 * `GET /health` listing exactly the given dependencies, in terminus' standard shape:
 * 200 `{status:'ok', info:{mongodb:{status:'up'}, ...}, error:{}, details:{...}}`, or 503
 * `{status:'error', ..., error:{redis:{status:'down', message}}}`.
 *
 * Only the listed indicators are instantiated, so an app without MQTT needs no MQTT client. The
 * clients come from the global MongooseModule connection, RedisModule and MqttClientModule.
 */
@Module({})
export class HealthChecksModule {
  static forRoot(options: HealthChecksModuleOptions): DynamicModule {
    const timeoutMs = options.timeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
    const indicators = options.checks.map((name) => INDICATORS[name]);
    return {
      module: HealthChecksModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
      controllers: [HealthController],
      providers: [
        ...new Set(indicators),
        {
          provide: HEALTH_CHECKS,
          inject: indicators,
          useFactory: (...instances: DependencyHealthIndicator[]): HealthIndicatorFunction[] =>
            options.checks.map(
              (name, i) => () => (instances[i] as DependencyHealthIndicator).check(name, timeoutMs),
            ),
        },
        HealthService,
      ],
    };
  }
}
