import { once } from 'node:events';
import { redactUrlCredentials, withTimeout } from '@canopy/common';
import { Redis } from 'ioredis';
import type { EventLogger } from '../logging/event-logger';
import type { RedisModuleOptions } from './redis.tokens';

/** Reconnect delay: grows 200 ms per attempt, capped at 5 s so a restarted Redis is found quickly. */
export function redisRetryDelay(attempt: number): number {
  return Math.min(attempt * 200, 5_000);
}

/**
 * One ioredis client per app. `maxRetriesPerRequest: null` is what BullMQ requires (commands wait
 * for a reconnect instead of failing after N retries). `lazyConnect` lets the app start while
 * Redis is down: the client connects in the background, keeps retrying, and /health reports it.
 * Connection problems are logged once per outage, not once per retry.
 */
export function createRedisClient(options: RedisModuleOptions, logger: EventLogger): Redis {
  const url = redactUrlCredentials(options.url);
  const client = new Redis(options.url, {
    maxRetriesPerRequest: null,
    lazyConnect: true,
    connectionName: options.connectionName,
    connectTimeout: 5_000,
    // How long disconnect() lets a socket end gracefully before destroying it. ioredis arms this
    // timer even when the socket is already gone (between reconnect attempts), keeping the
    // process alive for its full length after shutdown; the 2 s default is needlessly long.
    disconnectTimeout: 200,
    retryStrategy: redisRetryDelay,
  });
  let outage = false;
  client.on('ready', () => {
    outage = false;
    logger.info({ url }, 'redis connected');
  });
  client.on('error', (err: Error) => {
    if (outage) {
      logger.debug({ url, error: err.message }, 'redis still unavailable');
      return;
    }
    outage = true;
    logger.warn({ url, error: err.message }, 'redis unavailable, retrying in the background');
  });
  client.on('end', () => logger.info({ url }, 'redis connection closed'));
  trackDuplicates(client);
  return client;
}

const DUPLICATES = Symbol('canopy.redis.duplicates');
type Tracked = Redis & { [DUPLICATES]?: Set<Redis> };

/**
 * BullMQ gives each worker its own connection by `duplicate()`-ing the shared client. When Redis
 * was never reachable, closing the worker leaves that copy retrying forever (it inherits the
 * retry strategy), keeping the process alive and logging ECONNREFUSED after shutdown. Copies are
 * remembered so closeRedisClient can end them too.
 */
function trackDuplicates(client: Tracked): void {
  const copies = new Set<Redis>();
  client[DUPLICATES] = copies;
  const duplicate = client.duplicate.bind(client);
  client.duplicate = (...args: Parameters<Redis['duplicate']>): Redis => {
    const copy = duplicate(...args);
    copies.add(copy);
    copy.once('end', () => copies.delete(copy));
    return copy;
  };
}

/**
 * Closes gracefully when connected (pending replies are delivered), abruptly otherwise, so that
 * nothing reconnects behind the caller's back. Resolves once the socket is gone.
 */
export async function closeRedisClient(client: Redis, timeoutMs = 2_000): Promise<void> {
  const copies = (client as Tracked)[DUPLICATES];
  if (copies !== undefined) {
    await Promise.all([...copies].map((copy) => closeRedisClient(copy, timeoutMs)));
  }
  const status = client.status;
  if (status === 'end') return;
  // Between attempts (status "reconnecting"/"close") there is no socket: disconnect() just
  // cancels the pending retry and ioredis emits no further event, so there is nothing to wait for.
  const hasSocket = status === 'ready' || status === 'connect' || status === 'connecting';
  const ended: Promise<unknown> = hasSocket ? once(client, 'end') : Promise.resolve();
  if (status === 'ready') {
    await client.quit().catch(() => client.disconnect());
  } else {
    client.disconnect();
  }
  await withTimeout(ended, timeoutMs, 'redis close').catch(() => undefined);
}
