import {
  ClusterProcess,
  deployApplication,
  eventually,
  heldByClusterStatus,
  isHeldByCluster,
  http,
  instanceOf,
  type Json,
  microservice,
  requestInstance,
  RootProcess,
} from './cluster-stack';

/**
 * The root stops for a while (CANOPY_E2E_ROOT_OUTAGE_MS, default 10 s; the issue asks for up to
 * 30 s) while two clusters run: they keep running and serving, reconnect by themselves when the
 * root is back, and the root's view converges with no lost and no duplicated instance. The
 * reschedule grace is shorter than the outage and cluster b is frozen for the root's first
 * seconds back: the root only counts inactivity it has watched itself, so a cluster that
 * reconnects within the grace after the root's restart keeps every instance.
 */
const OUTAGE_MS = Number(process.env['CANOPY_E2E_ROOT_OUTAGE_MS'] ?? 10_000);
const GRACE_MS = 6_000;
const CAPACITY = { vcpus: 8, memory: 8192, architecture: 'amd64', virtualization: ['docker'] };

describe('root outage', () => {
  let root: RootProcess;
  let a: ClusterProcess;
  let b: ClusterProcess;
  const placed = new Map<string, string>(); // instance key → cluster id

  beforeAll(async () => {
    root = await RootProcess.start({ CLUSTER_RESCHEDULE_GRACE: `${GRACE_MS / 1000}s` });
    [a, b] = await Promise.all([
      ClusterProcess.start('outage-a', root, { capacity: CAPACITY }),
      ClusterProcess.start('outage-b', root, { capacity: { ...CAPACITY, vcpus: 4 } }),
    ]);
    await eventually(
      async () => ((await root.clusters(true)).length === 2 ? true : undefined),
      'both active',
    );
  }, 60_000);

  afterAll(async () => {
    for (const c of [a, b]) {
      await c?.stop();
      await c?.dropDatabase();
    }
    await root?.stop();
    await root?.dropDatabase();
  });

  /** What the clusters' databases hold: instance key → cluster id (checked against the root's list when it is up). */
  async function snapshot(rootUp = true): Promise<Map<string, string>> {
    const clusters = rootUp ? await root.clusters() : [];
    const byName = new Map(clusters.map((c) => [c['_id'] as string, c['cluster_name'] as string]));
    const result = new Map<string, string>();
    for (const cluster of [a, b]) {
      const id = (await cluster.storedId()) as string;
      if (rootUp) expect(byName.get(id)).toBe(cluster.name);
      for (const key of await cluster.instanceKeys()) {
        expect(result.has(key)).toBe(false); // never on two clusters
        result.set(key, id);
      }
    }
    return result;
  }

  it(`clusters survive a ${OUTAGE_MS / 1000} s root outage, reconnect, and the views converge`, async () => {
    const services = await deployApplication(root, 'outage', [
      microservice('web', { vcpus: 1, memory: 256 }),
      microservice('db', { vcpus: 2, memory: 1024 }),
    ]);
    for (const [, id] of Object.entries(services)) {
      for (let i = 0; i < 3; i++) await requestInstance(root, id);
    }
    for (const id of Object.values(services)) {
      for (let n = 0; n < 3; n++) {
        const instance = await eventually(async () => {
          const inst = await instanceOf(root, id, n);
          return inst && isHeldByCluster(inst) ? inst : undefined;
        }, `${id}/${n} placed`);
        placed.set(`${id}/${n}`, instance['cluster_id'] as string);
      }
    }
    await eventually(
      async () => ((await snapshot()).size === 6 ? true : undefined),
      'all six stored at the clusters',
    );
    const before = await snapshot();
    expect(before).toEqual(placed);

    await root.stop();
    const down = Date.now();
    await eventually(
      async () => ((await a.status())['phase'] !== 'connected' ? true : undefined),
      'a notices',
    );
    while (Date.now() - down < OUTAGE_MS) {
      for (const cluster of [a, b]) {
        expect((await http(cluster.base, 'GET', '/health')).status).toBe(200);
      }
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    expect(await snapshot(false)).toEqual(before); // nothing lost or added while alone

    b.signal('SIGSTOP');
    await root.launch();
    const up = Date.now();
    await new Promise((resolve) => setTimeout(resolve, GRACE_MS / 2));
    b.signal('SIGCONT');
    await eventually(
      async () => {
        const statuses = await Promise.all([a.status(), b.status()]);
        return statuses.every((s: Json) => s['phase'] === 'connected') ? true : undefined;
      },
      'both clusters reconnected',
      30_000,
      100,
    );
    const reconnectMs = Date.now() - up;
    await eventually(
      async () => ((await root.clusters(true)).length === 2 ? true : undefined),
      'both active at the root',
    );
    // Past the grace (counted from the root's start) and a few report periods: neither the
    // failover nor the reconcile may move, add or remove anything.
    expect(OUTAGE_MS).toBeGreaterThan(GRACE_MS);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(3_000, GRACE_MS - (Date.now() - up) + 1_000)),
    );
    expect(await snapshot()).toEqual(before);
    for (const [key, clusterId] of placed) {
      const [serviceId, n] = key.split('/') as [string, string];
      expect(await instanceOf(root, serviceId, Number(n))).toMatchObject({
        status: heldByClusterStatus(),
        cluster_id: clusterId,
      });
    }
    console.log(
      `root outage ${OUTAGE_MS} ms: clusters reconnected ${reconnectMs} ms after the root was up`,
    );
  });
});
