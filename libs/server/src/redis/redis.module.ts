import {
  type DynamicModule,
  Inject,
  Injectable,
  Module,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { withTimeout } from '@canopy/common';
import type { Redis } from 'ioredis';
import { PinoLogger } from 'nestjs-pino';
import { closeRedisClient, createRedisClient } from './create-redis-client';
import { REDIS_CLIENT, REDIS_OPTIONS, type RedisModuleOptions } from './redis.tokens';

const STARTUP_WAIT_MS = 3_000;

/** Starts the background connection at init and closes the client when the app shuts down. */
@Injectable()
export class RedisClientLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly client: Redis) {}

  /**
   * Waits for the first connection attempt, at most STARTUP_WAIT_MS, so a healthy app is healthy
   * from its first request; but never fails: the app must start (and report Redis down on
   * /health) while Redis is away. The client keeps retrying in the background.
   */
  async onModuleInit(): Promise<void> {
    const attempt = this.client.connect().catch(() => undefined);
    await withTimeout(attempt, STARTUP_WAIT_MS, 'redis connect').catch(() => undefined);
  }

  async onApplicationShutdown(): Promise<void> {
    await closeRedisClient(this.client);
  }
}

/** One shared ioredis client per app (inject with @InjectRedis()). Global. */
@Module({})
export class RedisModule {
  static forRoot(options: RedisModuleOptions): DynamicModule {
    return {
      module: RedisModule,
      global: true,
      providers: [
        { provide: REDIS_OPTIONS, useValue: options },
        {
          provide: REDIS_CLIENT,
          inject: [REDIS_OPTIONS, PinoLogger],
          useFactory: (opts: RedisModuleOptions, logger: PinoLogger) => {
            logger.setContext('Redis');
            return createRedisClient(opts, logger);
          },
        },
        RedisClientLifecycle,
      ],
      exports: [REDIS_CLIENT, REDIS_OPTIONS],
    };
  }
}
