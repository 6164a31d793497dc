import { withTimeout } from '@canopy/common';
import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { REDIS_CLIENT } from '../redis/redis.tokens';
import { type DependencyHealthIndicator, errorMessage } from './health.tokens';

/**
 * Redis is up when PING answers within the timeout. A client that is not connected is down at
 * once: with maxRetriesPerRequest=null a PING would sit in the offline queue until Redis returns.
 */
@Injectable()
export class RedisHealthIndicator implements DependencyHealthIndicator {
  constructor(
    @Inject(REDIS_CLIENT) private readonly redis: Redis,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string, timeoutMs: number): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    if (this.redis.status !== 'ready') {
      return indicator.down({ message: `not connected (${this.redis.status})` });
    }
    try {
      await withTimeout(this.redis.ping(), timeoutMs, 'redis ping');
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: errorMessage(error) });
    }
  }
}
