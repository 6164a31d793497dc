import { Inject } from '@nestjs/common';

export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
export const REDIS_OPTIONS = Symbol('REDIS_OPTIONS');

/** Injects the app's shared ioredis client. */
export const InjectRedis = (): ParameterDecorator => Inject(REDIS_CLIENT);

export interface RedisModuleOptions {
  url: string;
  /** Shown by `CLIENT LIST` on the server, to tell Canopy's connections apart. */
  connectionName?: string;
}
