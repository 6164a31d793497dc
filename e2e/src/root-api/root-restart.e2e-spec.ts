import { QueueName, RootRoute, rootPath, slaExample } from '@canopy/contracts';
import { type ManagedProcess, uniqueName } from '@canopy/testing';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import mongoose from 'mongoose';
import { rootEnv, startApp } from '../support/stack';

/**
 * The built root as a real process, killed with SIGKILL mid-suite and started again on the same
 * database and Redis: users, applications, services, instances and queued scheduling jobs survive,
 * and tokens issued before the kill still verify (the generated signing key was persisted).
 * The first boot runs without ADMIN_PASSWORD: the generated password is read from its log, once.
 */
type Json = Record<string, unknown>;

const BANNER = 'GENERATED password';

async function eventually(
  check: () => Promise<true | undefined>,
  what: string,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await check()) === undefined) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('root survives kill -9', () => {
  let env: Record<string, string>;
  let base: string;
  let root: ManagedProcess | undefined;
  let redis: Redis;
  let queue: Queue;

  beforeAll(async () => {
    env = { ...(await rootEnv()), BULLMQ_PREFIX: uniqueName('e2e_bull') };
    base = `http://127.0.0.1:${env['ROOT_HTTP_PORT']}`;
    redis = new Redis(env['REDIS_URL'] ?? '', { maxRetriesPerRequest: null });
    queue = new Queue(QueueName.ROOT_SCHEDULING, {
      connection: redis,
      prefix: env['BULLMQ_PREFIX'],
    });
  });

  afterAll(async () => {
    await root?.stop();
    await queue.obliterate({ force: true }).catch(() => undefined);
    await queue.close();
    // obliterate leaves the worker's bookkeeping keys behind
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `${env['BULLMQ_PREFIX']}:*`,
        'COUNT',
        500,
      );
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    await redis.quit();
    const connection = await mongoose.createConnection(env['MONGO_URL'] ?? '').asPromise();
    await connection.dropDatabase();
    await connection.close();
  });

  async function call(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: {
        ...(token ? { Authorization: `Bearer ${token}` } : {}),
        ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined };
  }

  async function ok(
    method: string,
    path: string,
    token?: string,
    body?: unknown,
  ): Promise<Json & Json[]> {
    const res = await call(method, path, token, body);
    if (res.status !== 200)
      throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Json & Json[];
  }

  it('keeps users, apps, services, instances, queued jobs and token validity across a SIGKILL', async () => {
    root = await startApp('root_orchestrator', env, env['ROOT_HTTP_PORT'] ?? '');

    // First boot: the generated Admin password is printed once, in a warn-level banner.
    const banner = root.logs
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { level?: string; msg?: string })
      .find((entry) => entry.msg?.includes(BANNER));
    expect(banner?.level).toBe('warn');
    const adminPassword = /\n {4}(\S+)\n/.exec(banner?.msg ?? '')?.[1] ?? '';
    expect(adminPassword).toHaveLength(24);

    const admin = await ok('POST', RootRoute.AUTH_LOGIN, undefined, {
      username: 'Admin',
      password: adminPassword,
    });
    await ok('POST', RootRoute.AUTH_REGISTER, admin['token'] as string, {
      name: 'erin',
      password: 'erin-password',
    });
    const erin = await ok('POST', RootRoute.AUTH_LOGIN, undefined, {
      username: 'erin',
      password: 'erin-password',
    });
    const erinToken = erin['token'] as string;
    const [app] = await ok('POST', RootRoute.APPLICATION_CREATE, erinToken, slaExample());
    const appId = (app as Json)['applicationID'] as string;
    const nginxId = ((app as Json)['microservices'] as string[])[1] as string;
    await ok('POST', rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: nginxId }), erinToken);
    await ok('POST', rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: nginxId }), erinToken);
    const jobIds = [0, 1].map((n) => `schedule.${nginxId}.${n}.0`);
    for (const id of jobIds) expect(await queue.getJob(id)).toBeDefined();
    // The scheduler has looked at both (no cluster yet) and queued them for a retry.
    await eventually(async () => {
      const states = await Promise.all(jobIds.map((id) => queue.getJobState(id)));
      return states.every((s) => s === 'delayed') ? true : undefined;
    }, 'both jobs delayed');

    // Mid-suite: SIGKILL, no shutdown hooks run.
    expect((await root.kill9()).signal).toBe('SIGKILL');
    for (const id of jobIds) expect(await queue.getJob(id)).toBeDefined();

    root = await startApp('root_orchestrator', env, env['ROOT_HTTP_PORT'] ?? '');
    expect(root.logs).not.toContain(BANNER); // printed once, on the first boot only

    // Tokens issued before the kill still verify (access and refresh).
    const apps = await ok('GET', RootRoute.APPLICATIONS, admin['token'] as string);
    expect(apps.map((a) => a['applicationID'])).toEqual([appId]);
    await ok('POST', RootRoute.AUTH_REFRESH, erin['refresh_token'] as string);
    const nginx = await ok('GET', rootPath(RootRoute.SERVICE, { serviceid: nginxId }), erinToken);
    expect(nginx['job_name']).toBe('clientsrvr.test.nginx.test');
    expect(nginx['next_instance_progressive_number']).toBe(2);
    expect(
      (nginx['instance_list'] as Json[]).map((i) => [i['instance_number'], i['status']]),
    ).toEqual([
      // nginx names cluster "cluster1" (direct); none is registered in this test
      [0, 'TargetClusterNotFound'],
      [1, 'TargetClusterNotFound'],
    ]);
    const services = await ok(
      'GET',
      rootPath(RootRoute.SERVICES_OF_APPLICATION, { appid: appId }),
      erinToken,
    );
    expect(services).toHaveLength(2);

    // Users survive with their passwords; the queued jobs are still there, still waiting.
    await ok('POST', RootRoute.AUTH_LOGIN, undefined, {
      username: 'erin',
      password: 'erin-password',
    });
    await ok('POST', RootRoute.AUTH_LOGIN, undefined, {
      username: 'Admin',
      password: adminPassword,
    });
    for (const id of jobIds) expect(await queue.getJobState(id)).toBe('delayed');

    // And the restarted root keeps working: scale once more, then clean up.
    const third = await ok(
      'POST',
      rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: nginxId }),
      erinToken,
    );
    expect(third['instance_number']).toBe(2);
    await ok('DELETE', rootPath(RootRoute.APPLICATION, { appid: appId }), erinToken);
    // A job being processed right now is locked and cannot be removed; it is dropped when it ends,
    // so wait for that rather than assume the DELETE came between two runs.
    await eventually(async () => {
      const left = await Promise.all(
        [...jobIds, `schedule.${nginxId}.2.0`].map((id) => queue.getJob(id)),
      );
      return left.every((job) => job === undefined) ? true : undefined;
    }, 'queued jobs of the deleted application removed');
  });
});
