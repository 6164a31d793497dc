import { EventEmitter } from 'node:events';

/**
 * BullMQ wraps each Redis client in a `RedisConnection` (`connection`, and `blockingConnection`
 * for workers) whose start-up wait re-emits its failure as 'error'. If Redis was never reachable
 * and the app shuts down, that wait fails AFTER close() removed every listener of the connection,
 * and an 'error' without listeners becomes an unhandled rejection ("connect ECONNREFUSED") after
 * shutdown, which kills the process or the next test file. This makes those two objects drop an
 * 'error' nobody listens to (the shared client has already logged the outage); while listeners
 * exist, errors reach them as before. Pass a BullMQ Queue or Worker.
 */
export function absorbLateConnectionErrors(queueOrWorker: object): void {
  for (const key of ['connection', 'blockingConnection']) {
    const connection = (queueOrWorker as Record<string, unknown>)[key];
    if (!(connection instanceof EventEmitter)) continue;
    const emit = connection.emit.bind(connection);
    connection.emit = (event: string | symbol, ...args: unknown[]): boolean =>
      event === 'error' && connection.listenerCount('error') === 0 ? false : emit(event, ...args);
  }
}
