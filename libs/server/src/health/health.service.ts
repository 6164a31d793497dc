import { Inject, Injectable } from '@nestjs/common';
import {
  HealthCheckService,
  type HealthCheckResult,
  type HealthIndicatorFunction,
} from '@nestjs/terminus';
import { HEALTH_CHECKS } from './health.tokens';

@Injectable()
export class HealthService {
  constructor(
    private readonly terminus: HealthCheckService,
    @Inject(HEALTH_CHECKS) private readonly checks: HealthIndicatorFunction[],
  ) {}

  /** terminus' standard result; throws ServiceUnavailableException (503) if anything is down. */
  check(): Promise<HealthCheckResult> {
    return this.terminus.check(this.checks);
  }
}
