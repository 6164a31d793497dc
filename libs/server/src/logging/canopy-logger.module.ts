import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createLogger, type LogLevel } from '@canopy/common';
import { type DynamicModule, Module } from '@nestjs/common';
import { LoggerModule, type Params } from 'nestjs-pino';
import type { DestinationStream, Logger } from 'pino';
import { LifecycleLogger } from './lifecycle-logger';

/** Monitoring polls are frequent and boring; logging each would drown the interesting lines. */
export const QUIET_PATHS = ['/health', '/metrics'] as const;

export function isQuietPath(url: string | undefined): boolean {
  const path = (url ?? '').split('?')[0] ?? '';
  return QUIET_PATHS.some((quiet) => path === quiet || path.startsWith(`${quiet}/`));
}

export const REQUEST_ID_HEADER = 'x-request-id';

/**
 * Request ids let one request be followed across log lines (and later across tiers): reuse the
 * caller's id when it sent a sane one, otherwise make one; echo it back to the caller.
 */
export function requestId(req: IncomingMessage, res: ServerResponse): string {
  const incoming = req.headers[REQUEST_ID_HEADER];
  const id =
    typeof incoming === 'string' && /^[\w.:-]{1,128}$/.test(incoming) ? incoming : randomUUID();
  res.setHeader(REQUEST_ID_HEADER, id);
  return id;
}

export function requestLogLevel(
  _req: IncomingMessage,
  res: ServerResponse,
  error?: Error,
): 'info' | 'warn' | 'error' {
  if (error || res.statusCode >= 500) return 'error';
  return res.statusCode >= 400 ? 'warn' : 'info';
}

/**
 * Nest logging through pino (nestjs-pino): one JSON logger per app made by @canopy/common's
 * createLogger (so secrets are redacted the same way everywhere), plus one line per HTTP request.
 * Global: PinoLogger and nestjs-pino's Logger can be injected anywhere.
 */
@Module({})
export class CanopyLoggerModule {
  static forRoot(service: string, level: LogLevel, destination?: DestinationStream): DynamicModule {
    return CanopyLoggerModule.forLogger(createLogger({ service, level, destination }));
  }

  /**
   * With a logger made beforehand, so the same instance can also log the app's start-up
   * (createHttpApp's `logger` option), before dependency injection is available.
   */
  static forLogger(logger: Logger): DynamicModule {
    return {
      module: CanopyLoggerModule,
      imports: [LoggerModule.forRoot(loggerParams(logger))],
      providers: [LifecycleLogger],
      exports: [LoggerModule],
    };
  }
}

export function loggerParams(logger: Logger): Params {
  return {
    pinoHttp: {
      logger,
      genReqId: requestId,
      customLogLevel: requestLogLevel,
      autoLogging: { ignore: (req) => isQuietPath(req.url) },
      // Headers stay out of request lines: they are noisy and carry credentials.
      serializers: {
        req: (req: { id?: unknown; method?: string; url?: string }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
        res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      },
    },
  };
}
