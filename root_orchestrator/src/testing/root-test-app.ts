import { loadConfig } from '@canopy/common';
import { ClusterRegistryRoute, QueueName, RootRoute, rootPath } from '@canopy/contracts';
import { freePort, loadLocalServices, uniqueName } from '@canopy/testing';
import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose, { type Connection } from 'mongoose';
import request from 'supertest';
import { RootConfig } from '../config/root-config';
import { createRootApp } from '../create-root-app';

/** Test helpers for the root API (integration tier): a real app on FerretDB and Redis. */

export const TEST_ADMIN_PASSWORD = 'admin-password-for-tests';

export interface RootTestApp {
  app: NestExpressApplication;
  /** Base URL of the listening app (supertest then reuses one server instead of one per call). */
  url: string;
  config: RootConfig;
  database: string;
  /** A separate BullMQ view of the root scheduling queue, to inspect jobs. */
  queue: Queue;
  db: Connection;
  /** Stops the app; `drop` (default) also removes the database and the queue's keys. */
  close(options?: { drop?: boolean }): Promise<void>;
}

export interface StartOptions {
  /** Reuse a database (and queue prefix) to restart "the same" root. */
  database?: string;
  prefix?: string;
  env?: Record<string, string>;
}

export async function startRootTestApp(options: StartOptions = {}): Promise<RootTestApp> {
  const services = loadLocalServices();
  const database = options.database ?? uniqueName('root_api');
  const prefix = options.prefix ?? uniqueName('bull');
  const config = loadConfig(RootConfig, {
    MONGO_URL: `${services.mongoUrl}/${database}`,
    REDIS_URL: services.redisUrl,
    LOG_LEVEL: 'silent',
    ADMIN_PASSWORD: TEST_ADMIN_PASSWORD,
    BCRYPT_ROUNDS: '4',
    BULLMQ_PREFIX: prefix,
    ...options.env,
  });
  const app = await createRootApp(config);
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const redis = new Redis(services.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(QueueName.ROOT_SCHEDULING, { connection: redis, prefix });
  const db = app.get<Connection>(getConnectionToken());
  return {
    app,
    url,
    config,
    database,
    queue,
    db,
    async close({ drop = true } = {}) {
      await app.close();
      if (drop) {
        await queue.obliterate({ force: true });
        await purgeRedisPrefix(redis, prefix);
      }
      await queue.close();
      await redis.quit();
      if (drop) await dropDatabase(services.mongoUrl, database);
    },
  };
}

/** Removes every key under a BullMQ prefix (obliterate leaves the worker's bookkeeping keys). */
export async function purgeRedisPrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

/** Drops a database through a connection of its own (the app's is closed by then). */
export async function dropDatabase(mongoUrl: string, database: string): Promise<void> {
  const connection = await mongoose.createConnection(`${mongoUrl}/${database}`).asPromise();
  try {
    await connection.dropDatabase();
  } finally {
    await connection.close();
  }
}

export async function login(
  root: Pick<RootTestApp, 'url'>,
  username: string,
  password: string,
  organization?: string,
): Promise<{ token: string; refresh_token: string }> {
  const res = await request(root.url)
    .post(RootRoute.AUTH_LOGIN)
    .send({ username, password, ...(organization ? { organization_name: organization } : {}) });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status} ${res.text}`);
  return res.body as { token: string; refresh_token: string };
}

export function adminLogin(
  root: Pick<RootTestApp, 'url'>,
): Promise<{ token: string; refresh_token: string }> {
  return login(root, 'Admin', TEST_ADMIN_PASSWORD);
}

/** Registers a user in the admin's organization and returns a token for them. */
export async function createUser(
  root: Pick<RootTestApp, 'url'>,
  adminToken: string,
  name: string,
  roles: string[] = ['Application_Provider'],
  password = `${name}-password`,
): Promise<{ id: string; token: string; password: string }> {
  const res = await request(root.url)
    .post(RootRoute.AUTH_REGISTER)
    .set('Authorization', `Bearer ${adminToken}`)
    .send({ name, password, roles });
  if (res.status !== 200) throw new Error(`register ${name}: ${res.status} ${res.text}`);
  const { token } = await login(root, name, password);
  return { id: (res.body as { _id: string })._id, token, password };
}

export function bearer(token: string): { Authorization: string } {
  return { Authorization: `Bearer ${token}` };
}

/** Polls `check` until it returns a value other than undefined. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** An SLA with one application and the given microservice names (small valid containers). */
export function simpleSla(
  appName: string,
  serviceNames: string[],
  namespace = 'test',
): Record<string, unknown> {
  return {
    sla_version: 'v2.0',
    customerID: 'tests',
    applications: [
      {
        applicationID: '',
        application_name: appName,
        application_namespace: namespace,
        application_desc: `${appName} for tests`,
        microservices: serviceNames.map((name) => ({
          microserviceID: '',
          microservice_name: name,
          microservice_namespace: namespace,
          virtualization: 'container',
          code: `docker.io/library/${name}:latest`,
          memory: 64,
          vcpus: 1,
        })),
      },
    ],
  };
}

/** Waits until the root lists `count` active clusters. */
export function activeClusters(url: string, count: number): Promise<true> {
  return eventually(
    async () => {
      const active = (await request(url).get(ClusterRegistryRoute.CLUSTERS_ACTIVE))
        .body as unknown[];
      return active.length === count ? true : undefined;
    },
    10_000,
    `${count} active clusters`,
  );
}

/** Creates an application from `sla`; its services' ids by microservice name. */
export async function createApplicationServices(
  url: string,
  token: string,
  sla: Record<string, unknown>,
): Promise<Record<string, string>> {
  const created = await request(url)
    .post(RootRoute.APPLICATION_CREATE)
    .set(bearer(token))
    .send(sla)
    .expect(200);
  const appId = (created.body as Record<string, unknown>[])[0]?.['applicationID'] as string;
  const services = (
    await request(url)
      .get(rootPath(RootRoute.SERVICES_OF_APPLICATION, { appid: appId }))
      .set(bearer(token))
      .expect(200)
  ).body as Record<string, unknown>[];
  return Object.fromEntries(
    services.map((s) => [s['microservice_name'] as string, s['_id'] as string]),
  );
}

/**
 * A root with its gRPC server on a free loopback port (registration + cluster sessions), accepting
 * `token` as the bootstrap cluster join token; `address` is what a cluster dials.
 */
export async function startRootWithGrpc(
  token: string,
  env: Record<string, string> = {},
): Promise<{ root: RootTestApp; address: string }> {
  const port = await freePort();
  const root = await startRootTestApp({
    env: {
      ROOT_GRPC_HOST: '127.0.0.1',
      ROOT_GRPC_PORT: String(port),
      ROOT_BOOTSTRAP_CLUSTER_TOKEN: token,
      ...env,
    },
  });
  await root.app.startAllMicroservices();
  return { root, address: `127.0.0.1:${port}` };
}
