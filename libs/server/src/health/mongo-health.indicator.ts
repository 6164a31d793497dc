import { withTimeout } from '@canopy/common';
import { Injectable } from '@nestjs/common';
import { InjectConnection } from '@nestjs/mongoose';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import { type Connection, ConnectionStates } from 'mongoose';
import { type DependencyHealthIndicator, errorMessage } from './health.tokens';

/**
 * MongoDB is up when a `ping` round-trips within the timeout. (terminus' own
 * MongooseHealthIndicator only looks at readyState, which stays "connected" for a while after
 * the server has gone.) Not connected at all → down at once, without queueing a command.
 */
@Injectable()
export class MongoHealthIndicator implements DependencyHealthIndicator {
  constructor(
    @InjectConnection() private readonly connection: Connection,
    private readonly health: HealthIndicatorService,
  ) {}

  async check(key: string, timeoutMs: number): Promise<HealthIndicatorResult> {
    const indicator = this.health.check(key);
    const db = this.connection.db;
    if (this.connection.readyState !== ConnectionStates.connected || !db) {
      return indicator.down({
        message: `not connected (${ConnectionStates[this.connection.readyState]})`,
      });
    }
    try {
      await withTimeout(db.command({ ping: 1 }), timeoutMs, 'mongodb ping');
      return indicator.up();
    } catch (error) {
      return indicator.down({ message: errorMessage(error) });
    }
  }
}
