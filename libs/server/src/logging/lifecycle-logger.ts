import { type BeforeApplicationShutdown, Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';

/** Marks the start of a shutdown in the log, so slow client closes that follow are attributable. */
@Injectable()
export class LifecycleLogger implements BeforeApplicationShutdown {
  constructor(private readonly logger: PinoLogger) {
    logger.setContext('Lifecycle');
  }

  beforeApplicationShutdown(signal?: string): void {
    this.logger.info({ signal }, 'shutting down');
  }
}
