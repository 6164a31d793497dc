/**
 * The slice of a pino logger (or nestjs-pino PinoLogger) that connection helpers use, so they can
 * be unit-tested with a stub and reused outside Nest.
 */
export interface EventLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}
