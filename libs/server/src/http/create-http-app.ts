import {
  type DynamicModule,
  type INestApplication,
  type Type,
  ValidationPipe,
  type ValidationPipeOptions,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Logger, PinoLogger } from 'nestjs-pino';
import type { Logger as PinoInstance } from 'pino';
import { loggerParams } from '../logging/canopy-logger.module';
import {
  httpMetricsMiddleware,
  type HttpRequestDuration,
} from '../metrics/http-metrics.middleware';
import { HTTP_REQUEST_DURATION } from '../metrics/metrics.tokens';
import { BodyParserErrorFilter } from './body-parser-error.filter';

export interface HttpAppOptions {
  /** Largest accepted request body, in bytes or as `1mb`; larger bodies get 413. */
  bodyLimit: number | string;
  /**
   * The app's pino logger (the one given to CanopyLoggerModule.forLogger). Start-up messages,
   * including database retries and start-up failures, are then written as JSON as they happen;
   * without it they are buffered until the app is up (and dumped as plain text if it never is).
   */
  logger?: PinoInstance;
  /**
   * Builds the error thrown when a DTO fails validation (default: Nest's 400 with a list of
   * messages). Apps with their own error body use it to keep field paths structured.
   */
  validationExceptionFactory?: ValidationPipeOptions['exceptionFactory'];
}

/**
 * Creates a Canopy HTTP app from its root module and applies everything every server needs,
 * without listening: main.ts then calls bootstrapHttpApp(), tests call app.init() and use
 * supertest. The module tree must include CanopyLoggerModule (logs go through pino).
 */
export async function createHttpApp(
  module: Type | DynamicModule,
  options: HttpAppOptions,
): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(module, {
    bodyParser: false,
    ...(options.logger ? { logger: bootLogger(options.logger) } : { bufferLogs: true }),
    // Throw instead of process.abort() (core dump, no message) when a module fails to start.
    abortOnError: false,
  });
  configureHttpApp(app, options);
  return app;
}

export function configureHttpApp(app: NestExpressApplication, options: HttpAppOptions): void {
  app.useLogger(app.get(Logger));
  // First middleware, so the histogram also sees requests the body parser rejects.
  const duration = optional<HttpRequestDuration>(app, HTTP_REQUEST_DURATION);
  if (duration) app.use(httpMetricsMiddleware(duration));
  app.useBodyParser('json', { limit: options.bodyLimit });
  app.useGlobalFilters(new BodyParserErrorFilter(app.getHttpAdapter()));
  app.useGlobalPipes(
    // Unknown fields are rejected, not silently dropped: a typo in an SLA should be an error.
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      ...(options.validationExceptionFactory
        ? { exceptionFactory: options.validationExceptionFactory }
        : {}),
    }),
  );
}

export interface ListenOptions {
  host: string;
  port: number;
}

/**
 * The end of every main.ts: graceful shutdown on SIGTERM/SIGINT (closes clients via
 * onApplicationShutdown hooks), listen, and log where. Returns the base URL.
 */
export async function bootstrapHttpApp(
  app: INestApplication,
  listen: ListenOptions,
): Promise<string> {
  app.enableShutdownHooks();
  await app.listen(listen.port, listen.host);
  const url = await app.getUrl();
  // PinoLogger is transient-scoped: resolve() gives this call its own instance.
  const logger = await app.resolve(PinoLogger);
  logger.setContext('Bootstrap');
  logger.info(
    { host: listen.host, port: listen.port, url },
    `listening on ${listen.host}:${listen.port}`,
  );
  return url;
}

function optional<T>(app: INestApplication, token: symbol): T | undefined {
  try {
    return app.get<T>(token, { strict: false });
  } catch {
    return undefined; // the app does not import MetricsModule
  }
}

/** nestjs-pino's Nest logger over the app's pino instance, usable before DI exists. */
function bootLogger(logger: PinoInstance): Logger {
  const params = loggerParams(logger);
  return new Logger(new PinoLogger(params), params);
}
