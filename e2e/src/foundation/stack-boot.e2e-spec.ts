import { ManagedProcess } from '@canopy/testing';
import { clusterEnv, dist, REPO, rootEnv, startApp } from '../support/stack';

/** The built root and cluster run as real processes against FerretDB, Redis and Mosquitto. */
describe('root and cluster processes', () => {
  const running: ManagedProcess[] = [];
  afterAll(async () => {
    await Promise.all(running.map((p) => p.stop()));
  });

  it('root boots, reports MongoDB and Redis healthy and serves metrics', async () => {
    const env = await rootEnv();
    const root = await startApp('root_orchestrator', env, env.ROOT_HTTP_PORT);
    running.push(root);
    const base = `http://127.0.0.1:${env.ROOT_HTTP_PORT}`;

    const health = await (await fetch(`${base}/health`)).json();
    expect(health).toMatchObject({
      status: 'ok',
      info: { mongodb: { status: 'up' }, redis: { status: 'up' } },
    });
    const metrics = await fetch(`${base}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toMatch(/process_cpu_user_seconds_total/);
    expect((await fetch(`${base}/no-such-route`)).status).toBe(404);
  });

  it('cluster boots and reports MongoDB, Redis and MQTT healthy', async () => {
    const env = await clusterEnv();
    const cluster = await startApp('cluster_orchestrator', env, env.CLUSTER_HTTP_PORT);
    running.push(cluster);
    const health = await (await fetch(`http://127.0.0.1:${env.CLUSTER_HTTP_PORT}/health`)).json();
    expect(health).toMatchObject({
      status: 'ok',
      info: { mongodb: { status: 'up' }, redis: { status: 'up' }, mqtt: { status: 'up' } },
    });
  });

  it('a SIGTERM shuts the root down cleanly', async () => {
    const env = await rootEnv();
    const root = await startApp('root_orchestrator', env, env.ROOT_HTTP_PORT);
    const started = Date.now();
    const ended = await root.stop(15_000);
    // Nest re-raises the signal after its shutdown hooks ran; only SIGKILL (our escalation
    // after 15 s) would mean the shutdown hung.
    expect([ended.signal === 'SIGTERM', ended.code === 0]).toContain(true);
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it.each([
    [
      'root_orchestrator',
      { ROOT_HTTP_PORT: 'abc', MONGO_URL: '', REDIS_URL: 'http://nope' },
      ['ROOT_HTTP_PORT', 'MONGO_URL', 'REDIS_URL'],
    ],
    [
      'cluster_orchestrator',
      { CLUSTER_NAME: 'bad name!', CLUSTER_LOCATION: 'abc', MQTT_PASSWORD: 'hunter2' },
      ['CLUSTER_NAME', 'CLUSTER_LOCATION'],
    ],
  ])(
    '%s refuses a bad configuration with a readable message and exit code 1',
    async (app, bad, named) => {
      const base = app === 'root_orchestrator' ? await rootEnv() : await clusterEnv();
      const started = Date.now();
      const proc = await ManagedProcess.start({
        name: app,
        command: process.execPath,
        args: [dist(app)],
        cwd: REPO,
        env: { ...base, ...bad },
      });
      const ended = await Promise.race([
        proc.exited(),
        new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000)),
      ]);
      if (ended === 'timeout') await proc.kill9();
      expect(ended).toEqual({ code: 1, signal: null });
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(proc.logs).toMatch(/invalid configuration/i);
      for (const variable of named) expect(proc.logs).toContain(variable);
      expect(proc.logs).not.toContain('hunter2');
      expect(proc.logs).not.toMatch(/\n\s+at .*\.js:\d+/); // a message, not a stack trace
    },
  );
});
