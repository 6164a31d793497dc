import {
  ClusterProcess,
  deployApplication,
  eventually,
  heldByClusterStatus,
  isHeldByCluster,
  instanceOf,
  type Json,
  microservice,
  REPORT_INTERVAL_MS,
  removeInstance,
  requestInstance,
  RootProcess,
} from './cluster-stack';

/**
 * Real root + two real clusters (dist/ processes, real gRPC, FerretDB, Redis). The clusters
 * declare simulated capacity (CLUSTER_SIMULATED_CAPACITY: no workers yet):
 *   munich  48.1374,11.5755  amd64  8 vCPU  8192 MB
 *   berlin  52.5200,13.4050  arm64  4 vCPU  4096 MB
 * Placement by the root scheduler (direct, geo, capacity, architecture, best fit and the
 * negative statuses), the clusters' databases, scale down, then kill -9 of berlin: inactive
 * within 3 report periods, instances moved after the grace period (3 s), and berlin rejoining
 * as itself without stale instances.
 */
const MUNICH = { vcpus: 8, memory: 8192, architecture: 'amd64', virtualization: ['docker'] };
const BERLIN = { vcpus: 4, memory: 4096, architecture: 'arm64', virtualization: ['docker'] };

describe('root scheduler over two real clusters', () => {
  let root: RootProcess;
  let munich: ClusterProcess;
  let berlin: ClusterProcess;
  let ids: { munich: string; berlin: string };
  let svc: Record<string, string>;
  /** `<serviceId>/<n>` expected on each cluster. */
  const expected: { munich: Set<string>; berlin: Set<string> } = {
    munich: new Set(),
    berlin: new Set(),
  };
  const timings: Record<string, number> = {};

  beforeAll(async () => {
    root = await RootProcess.start();
    [munich, berlin] = await Promise.all([
      ClusterProcess.start('munich', root, { location: '48.1374,11.5755,50', capacity: MUNICH }),
      ClusterProcess.start('berlin', root, { location: '52.5200,13.4050,50', capacity: BERLIN }),
    ]);
    await eventually(
      async () => ((await root.clusters(true)).length === 2 ? true : undefined),
      'both active',
    );
    ids = {
      munich: (await munich.storedId()) as string,
      berlin: (await berlin.storedId()) as string,
    };
    svc = await deployApplication(root, 'placement', [
      microservice('direct', { constraints: [{ type: 'direct', cluster: 'berlin' }] }),
      microservice('geo', {
        constraints: [{ type: 'geo', location: '48.14,11.58', threshold: 100 }],
      }),
      microservice('big', { vcpus: 6, memory: 2048 }),
      microservice('arm', { arch: ['arm64'] }),
      microservice('small', { vcpus: 1, memory: 256 }),
      microservice('huge', { vcpus: 64 }),
      microservice('nowhere', { constraints: [{ type: 'direct', cluster: 'atlantis' }] }),
    ]);
  });

  afterAll(async () => {
    console.log(`cluster e2e timings (ms): ${JSON.stringify(timings)}`);
    for (const c of [munich, berlin]) {
      await c?.stop();
      await c?.dropDatabase();
    }
    await root?.stop();
    await root?.dropDatabase();
  });

  async function placedOn(serviceId: string, n: number): Promise<Json> {
    return eventually(async () => {
      const i = await instanceOf(root, serviceId, n);
      return i && isHeldByCluster(i) ? i : undefined;
    }, `instance ${serviceId}/${n} held by a cluster`);
  }

  // In this order: best fit sends `small` to the tighter cluster (berlin) before munich fills up.
  it.each([
    ['direct', 'berlin'],
    ['small', 'berlin'],
    ['geo', 'munich'],
    ['big', 'munich'],
    ['arm', 'berlin'],
  ] as const)('%s lands on %s, and only that cluster stores it', async (name, where) => {
    const serviceId = svc[name] as string;
    const started = Date.now();
    const n = await requestInstance(root, serviceId);
    const instance = await placedOn(serviceId, n);
    expect(instance).toMatchObject({
      cluster_id: ids[where],
      cluster_location: where === 'munich' ? '48.1374,11.5755,50' : '52.5200,13.4050,50',
      generation: 0,
    });
    const key = `${serviceId}/${n}`;
    expected[where].add(key);
    const cluster = where === 'munich' ? munich : berlin;
    await eventually(
      async () => ((await cluster.instanceKeys()).includes(key) ? true : undefined),
      `${key} on ${where}`,
      10_000,
      50,
    );
    timings[`request→cluster db (${name})`] = Date.now() - started;
    expect((await cluster.status())['instances']).toBeGreaterThan(0);
  });

  it('each cluster database holds exactly the instances placed on it', async () => {
    expect(await munich.instanceKeys()).toEqual([...expected.munich].sort());
    expect(await berlin.instanceKeys()).toEqual([...expected.berlin].sort());
  });

  it.each([
    ['huge', 'NoActiveClusterWithCapacity', '2 clusters: 2 lack CPU'],
    ['nowhere', 'TargetClusterNotFound', ''],
  ])('%s is not placed: %s with a readable status_detail', async (name, status, detail) => {
    const serviceId = svc[name] as string;
    const n = await requestInstance(root, serviceId);
    const instance = await eventually(async () => {
      const i = await instanceOf(root, serviceId, n);
      return i && i['status'] === status ? i : undefined;
    }, `${name} ${status}`);
    expect(typeof instance['status_detail']).toBe('string');
    if (detail) expect(instance['status_detail']).toContain(detail);
    expect(
      [...(await munich.instanceKeys()), ...(await berlin.instanceKeys())].some((k) =>
        k.startsWith(serviceId),
      ),
    ).toBe(false);
    await removeInstance(root, serviceId, n);
  });

  it('scaling down removes the instance from its cluster', async () => {
    const serviceId = svc['geo'] as string;
    const n = await requestInstance(root, serviceId);
    await placedOn(serviceId, n);
    const key = `${serviceId}/${n}`;
    await eventually(
      async () => ((await munich.instanceKeys()).includes(key) ? true : undefined),
      'second geo instance',
    );
    const started = Date.now();
    await removeInstance(root, serviceId, n);
    await eventually(
      async () => ((await munich.instanceKeys()).includes(key) ? undefined : true),
      'removal at munich',
      10_000,
      50,
    );
    timings['scale down→removed at cluster'] = Date.now() - started;
    expect(await munich.instanceKeys()).toEqual([...expected.munich].sort());
  });

  it('kill -9 berlin: inactive within 3 report periods; after the grace period its instances move to munich', async () => {
    const killed = Date.now();
    await berlin.kill9();
    await eventually(
      async () => {
        const b = (await root.clusters()).find((c) => c['_id'] === ids.berlin);
        return b && b['active'] === false ? true : undefined;
      },
      'berlin inactive',
      3 * REPORT_INTERVAL_MS + 2_000,
      50,
    );
    timings['kill -9→inactive at root'] = Date.now() - killed;
    expect(timings['kill -9→inactive at root']).toBeLessThanOrEqual(3 * REPORT_INTERVAL_MS + 1_000);

    // small (no constraints) moves to munich, as a new generation.
    const small = svc['small'] as string;
    const moved = await eventually(
      async () => {
        const i = await instanceOf(root, small, 0);
        return i && isHeldByCluster(i) && i['cluster_id'] === ids.munich ? i : undefined;
      },
      'small moved to munich',
      20_000,
    );
    timings['kill -9→moved (grace 3 s)'] = Date.now() - killed;
    expect(moved['generation']).toBe(1);
    await eventually(
      async () => ((await munich.instanceKeys()).includes(`${small}/0`) ? true : undefined),
      'small stored at munich',
    );
    // direct=berlin and arch=arm64 cannot move: no other cluster qualifies.
    const direct = await eventually(async () => {
      const i = await instanceOf(root, svc['direct'] as string, 0);
      return i && i['status'] === 'TargetClusterNotActive' ? i : undefined;
    }, 'direct TargetClusterNotActive');
    expect(direct['cluster_id']).toBeUndefined();
    const arm = await instanceOf(root, svc['arm'] as string, 0);
    expect(arm?.['status']).toBe('NoActiveClusterWithCapacity');
  });

  it('berlin restarts: rejoins as itself, gets back what only it can run, and holds nothing stale', async () => {
    await berlin.launch();
    expect(await berlin.storedId()).toBe(ids.berlin);
    const direct = svc['direct'] as string;
    const arm = svc['arm'] as string;
    const small = svc['small'] as string;
    await eventually(
      async () => {
        const keys = await berlin.instanceKeys();
        return keys.length === 2 && keys.includes(`${direct}/0`) && keys.includes(`${arm}/0`)
          ? true
          : undefined;
      },
      'berlin converged',
      20_000,
    );
    expect(await berlin.instanceKeys()).not.toContain(`${small}/0`);
    const instance = await instanceOf(root, direct, 0);
    expect(instance).toMatchObject({
      status: heldByClusterStatus(),
      cluster_id: ids.berlin,
      generation: 1,
    });
    expect(await root.clusters()).toHaveLength(2);
    // every placed instance is in exactly one cluster database
    const all = [...(await munich.instanceKeys()), ...(await berlin.instanceKeys())];
    expect(new Set(all).size).toBe(all.length);
  });
});
