import { hostname } from 'node:os';
import pino, { type DestinationStream, type Logger } from 'pino';
import { REDACTED } from '../url/url-credentials';
import type { LogLevel } from './log-levels';

export interface LoggerOptions {
  /** Which program is logging: `root_orchestrator`, `cluster_orchestrator`, `node_engine`. */
  service: string;
  level: LogLevel;
  /** Where to write; stdout when omitted. Tests pass a stream to inspect the output. */
  destination?: DestinationStream;
}

/** Field names whose values never reach a log line, at any depth we redact (see redactPaths). */
export const SECRET_FIELDS = [
  'password',
  'passwd',
  'token',
  'accessToken',
  'refreshToken',
  'joinToken',
  'secret',
  'clientSecret',
  'apiKey',
  'privateKey',
  'authorization',
  'cookie',
] as const;

/**
 * pino's redaction takes explicit paths (a `*` matches one level), so secrets are covered at the
 * top level and two levels down: `{password}`, `{user:{password}}`, `{req:{headers:{authorization}}}`.
 */
export function redactPaths(fields: readonly string[] = SECRET_FIELDS): string[] {
  return fields
    .flatMap((field) => [field, `*.${field}`, `*.*.${field}`])
    .concat('res.headers["set-cookie"]');
}

/**
 * The one logger factory for every Canopy program: JSON lines with ISO timestamps, the level as a
 * word, `service` on every line, and secrets censored. Pipe through `pino-pretty` for humans.
 */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level,
      base: { service: options.service, pid: process.pid, hostname: hostname() },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
      redact: { paths: redactPaths(), censor: REDACTED },
    },
    options.destination ?? pino.destination({ dest: 1, sync: true }),
  );
}
