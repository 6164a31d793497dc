import { createTestPki } from '@canopy/testing';
import {
  ClusterProcess,
  eventually,
  type Json,
  REPORT_INTERVAL_MS,
  RootProcess,
} from './cluster-stack';

/**
 * Real root and cluster processes over real gRPC: two clusters register (one with the root's
 * bootstrap token, one with an Admin-issued token), a restarted cluster comes back as itself,
 * and wrong or revoked tokens are refused with a clear error and a non-zero exit.
 */
describe('cluster registration (real processes)', () => {
  let root: RootProcess;
  const clusters: ClusterProcess[] = [];

  beforeAll(async () => {
    root = await RootProcess.start();
  });

  afterAll(async () => {
    for (const c of clusters) {
      await c.stop();
      await c.dropDatabase();
    }
    await root?.stop();
    await root?.dropDatabase();
  });

  it('two clusters register and become active; a restarted one keeps its id (no duplicate)', async () => {
    const issued = await root.joinToken({ description: 'e2e site b' });
    const a = await ClusterProcess.start('e2e-site-a', root, { location: '48.1374,11.5755,25' });
    const b = await ClusterProcess.start('e2e-site-b', root, { token: issued['token'] as string });
    clusters.push(a, b);

    const active = await eventually(async () => {
      const list = await root.clusters(true);
      return list.length === 2 ? list : undefined;
    }, 'both clusters active');
    expect(active.map((c) => c['cluster_name']).sort()).toEqual(['e2e-site-a', 'e2e-site-b']);
    const idA = await a.storedId();
    const idB = await b.storedId();
    expect(new Set([idA, idB]).size).toBe(2);
    expect(active.find((c) => c['cluster_name'] === 'e2e-site-a')).toMatchObject({
      _id: idA,
      cluster_location: '48.1374,11.5755,25',
      active: true,
      connected: true,
    });

    await a.stop();
    await a.launch();
    await eventually(
      async () => ((await a.status())['phase'] === 'connected' ? true : undefined),
      'a reconnected',
    );
    expect(await a.storedId()).toBe(idA);
    const all = await root.clusters();
    expect(all).toHaveLength(2);
    expect(all.find((c) => c['cluster_name'] === 'e2e-site-a')?.['_id']).toBe(idA);
    expect(a.proc?.logs).toContain('re-registered with the root as the same cluster');
  });

  it('a silent cluster (SIGSTOP: connection open, no reports) is inactive within 3 periods; SIGCONT brings it back', async () => {
    const b = clusters.find((c) => c.name === 'e2e-site-b') as ClusterProcess;
    const id = await b.storedId();
    const stopped = Date.now();
    b.proc?.child.kill('SIGSTOP');
    try {
      await eventually(
        async () => {
          const cluster = (await root.clusters()).find((c) => c['_id'] === id);
          return cluster && cluster['active'] === false ? true : undefined;
        },
        'site b inactive',
        3 * REPORT_INTERVAL_MS + 3_000,
        50,
      );
    } finally {
      b.proc?.child.kill('SIGCONT');
    }
    const silentMs = Date.now() - stopped;
    // 3 periods after its last report, which came up to one period before the SIGSTOP.
    expect(silentMs).toBeLessThanOrEqual(3 * REPORT_INTERVAL_MS + 1_500);
    await eventually(
      async () => ((await root.clusters(true)).some((c) => c['_id'] === id) ? true : undefined),
      'site b active again',
    );
    console.log(
      `silent cluster detected after ${silentMs} ms (report period ${REPORT_INTERVAL_MS} ms)`,
    );
  });

  it.each([
    [
      'a wrong token',
      async (): Promise<string> => 'cjt_this-token-was-never-issued',
      'the join token is not valid',
    ],
    [
      'a revoked token',
      async (): Promise<string> => {
        const token = await root.joinToken();
        const res = await fetch(`${root.base}/api/clusters/join-tokens/${token['id'] as string}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${root.adminToken}` },
        });
        expect(res.status).toBe(200);
        return token['token'] as string;
      },
      'the join token has been revoked',
    ],
  ])('%s is refused: the cluster logs why and exits with code 3', async (_name, token, reason) => {
    const cluster = await ClusterProcess.create(`e2e-bad-${Date.now() % 100000}`, root, {
      token: await token(),
    });
    clusters.push(cluster);
    const proc = await cluster.spawn();
    const ended = await Promise.race([
      proc.exited(),
      new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000).unref()),
    ]);
    expect(ended).toEqual({ code: 3, signal: null });
    expect(proc.logs).toContain(`the root refused the registration (PERMISSION_DENIED): ${reason}`);
    expect((await root.clusters()).map((c: Json) => c['cluster_name'])).not.toContain(cluster.name);
  });
});

describe('cluster gRPC over mutual TLS (real processes)', () => {
  const pki = createTestPki();
  let root: RootProcess;
  const clusters: ClusterProcess[] = [];

  beforeAll(async () => {
    root = await RootProcess.start({
      ROOT_GRPC_TLS_CERT: pki.serverCert,
      ROOT_GRPC_TLS_KEY: pki.serverKey,
      ROOT_GRPC_TLS_CA: pki.caCert,
    });
  });

  afterAll(async () => {
    for (const c of clusters) {
      await c.stop();
      await c.dropDatabase();
    }
    await root?.stop();
    await root?.dropDatabase();
  });

  it('a cluster with a certificate signed by the CA registers; one without cannot connect', async () => {
    const good = await ClusterProcess.create('e2e-tls-good', root);
    Object.assign(good.env, {
      ROOT_TLS_CA: pki.caCert,
      ROOT_TLS_CERT: pki.clientCert,
      ROOT_TLS_KEY: pki.clientKey,
    });
    const noCert = await ClusterProcess.create('e2e-tls-nocert', root);
    noCert.env['ROOT_TLS_CA'] = pki.caCert;
    clusters.push(good, noCert);
    await Promise.all([good.launch(), noCert.launch()]);

    await eventually(
      async () => ((await good.status())['phase'] === 'connected' ? true : undefined),
      'the cluster with a certificate connected',
    );
    expect((await root.clusters(true)).map((c: Json) => c['cluster_name'])).toEqual([
      'e2e-tls-good',
    ]);
    const refused = await noCert.status();
    expect(refused).toMatchObject({
      registered: false,
      phase: expect.stringMatching(/registering|disconnected/),
    });
    expect(String(refused['last_error'])).not.toBe('null');
  });
});
