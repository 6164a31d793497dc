import { ClusterRegistryRoute, RootRoute, rootPath } from '@canopy/contracts';
import request from 'supertest';
import { FakeCluster } from '../grpc/testing/fake-cluster';
import {
  adminLogin,
  bearer,
  eventually,
  type RootTestApp,
  startRootWithGrpc,
} from '../testing/root-test-app';

type Json = Record<string, unknown>;
const TOKEN = 'bootstrap-token-for-the-scheduling-test';

/**
 * The root scheduler and the session reconcile with the root in-process and two protocol-level
 * fake clusters (real gRPC): placement by constraint and capacity, Oakestra's negative statuses,
 * commands on the right session, scale down, the reconcile of reports, and failover after the
 * grace period.
 */
describe('root scheduling over clusters (root in-process, fake clusters over real gRPC)', () => {
  let root: RootTestApp;
  let token: string;
  let munich: FakeCluster;
  let berlin: FakeCluster;
  let svc: Record<string, string>;

  beforeAll(async () => {
    const started = await startRootWithGrpc(TOKEN, {
      CLUSTER_RESCHEDULE_GRACE: '2s',
      SCHEDULING_RETRY_INTERVAL: '1s',
    });
    root = started.root;
    token = (await adminLogin(root)).token;
    const address = started.address;
    munich = new FakeCluster(
      address,
      'munich',
      '48.1374,11.5755,50',
      { vcpus: 8, memory: 8192, architecture: 'amd64' },
      TOKEN,
    );
    berlin = new FakeCluster(
      address,
      'berlin',
      '52.5200,13.4050,50',
      { vcpus: 4, memory: 4096, architecture: 'arm64' },
      TOKEN,
    );
    await Promise.all([munich.connect(), berlin.connect()]);
    await eventually(async () => {
      const active = (await request(root.url).get(ClusterRegistryRoute.CLUSTERS_ACTIVE))
        .body as Json[];
      return active.length === 2 ? true : undefined;
    });
    const ms = (name: string, fields: Json = {}): Json => ({
      microserviceID: '',
      microservice_name: name,
      microservice_namespace: 'test',
      virtualization: 'container',
      code: 'docker.io/library/busybox:latest',
      memory: 128,
      vcpus: 1,
      ...fields,
    });
    const created = await request(root.url)
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(token))
      .send({
        sla_version: 'v2.0',
        customerID: 'it',
        applications: [
          {
            applicationID: '',
            application_name: 'sched',
            application_namespace: 'test',
            application_desc: '',
            microservices: [
              ms('direct', { constraints: [{ type: 'direct', cluster: 'berlin' }] }),
              ms('small', { vcpus: 1, memory: 256 }),
              ms('geo', {
                constraints: [{ type: 'geo', location: '48.14,11.58', threshold: 100 }],
              }),
              ms('big', { vcpus: 6, memory: 2048 }),
              ms('arm', { arch: ['arm64'] }),
              ms('huge', { vcpus: 64 }),
              ms('gone', { constraints: [{ type: 'direct', cluster: 'atlantis' }] }),
            ],
          },
        ],
      })
      .expect(200);
    const appId = ((created.body as Json[])[0] as Json)['applicationID'] as string;
    const services = (
      await request(root.url)
        .get(rootPath(RootRoute.SERVICES_OF_APPLICATION, { appid: appId }))
        .set(bearer(token))
        .expect(200)
    ).body as Json[];
    svc = Object.fromEntries(
      services.map((s) => [s['microservice_name'] as string, s['_id'] as string]),
    );
  });

  afterAll(async () => {
    munich?.close();
    berlin?.close();
    await root?.close();
  });

  const scaleUp = async (name: string): Promise<number> =>
    (
      (
        await request(root.url)
          .post(rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: svc[name] as string }))
          .set(bearer(token))
          .expect(200)
      ).body as { instance_number: number }
    ).instance_number;

  const instance = async (name: string, n: number): Promise<Json | undefined> => {
    const body = (
      await request(root.url)
        .get(rootPath(RootRoute.SERVICE, { serviceid: svc[name] as string }))
        .set(bearer(token))
    ).body as Json;
    return (body['instance_list'] as Json[]).find((i) => i['instance_number'] === n);
  };

  const until = (
    name: string,
    n: number,
    check: (i: Json) => boolean,
    what: string,
  ): Promise<Json> =>
    eventually(
      async () => {
        const i = await instance(name, n);
        return i && check(i) ? i : undefined;
      },
      10_000,
      what,
    );

  it.each([
    ['direct', 'berlin'],
    ['small', 'berlin'],
    ['geo', 'munich'],
    ['big', 'munich'],
    ['arm', 'berlin'],
  ] as const)('%s is placed on %s, which receives the deploy', async (name, where) => {
    const cluster = where === 'munich' ? munich : berlin;
    const other = where === 'munich' ? berlin : munich;
    const n = await scaleUp(name);
    const placed = await until(
      name,
      n,
      (i) => i['status'] === 'CLUSTER_SCHEDULED',
      `${name} placed`,
    );
    expect(placed).toMatchObject({
      cluster_id: cluster.id,
      cluster_location: cluster.location,
      generation: 0,
      status_detail: '',
    });
    const key = `${svc[name] as string}/${n}`;
    await eventually(async () => (cluster.held.has(key) ? true : undefined), 5_000, 'the deploy');
    expect(other.held.has(key)).toBe(false);
    const deploy = cluster.commands.find(
      (c) => c.deploy_instance?.service_id === svc[name],
    )?.deploy_instance;
    expect(deploy).toMatchObject({
      command_id: `deploy.${svc[name] as string}.${n}.0`,
      generation: 0,
    });
    expect(placed['instance_ip']).toEqual(expect.any(String));
    expect(JSON.parse(deploy?.job ?? '{}')).toMatchObject({
      _id: svc[name],
      microservice_name: name,
      image: 'docker.io/library/busybox:latest',
      // The InstanceIP of THIS instance travels with its deploy (the cluster hands it on).
      instance_ip: placed['instance_ip'],
    });
    expect(JSON.parse(deploy?.job ?? '{}')).not.toHaveProperty('instance_list');
    // The application's other services, for the worker to prefetch their tables.
    const jobOf = (m: string) => `sched.test.${m}.test`;
    expect(
      (JSON.parse(deploy?.job ?? '{}') as { sibling_services?: string[] }).sibling_services,
    ).toEqual(
      ['direct', 'small', 'geo', 'big', 'arm', 'huge', 'gone'].filter((m) => m !== name).map(jobOf),
    );
  });

  it.each([
    ['huge', 'NoActiveClusterWithCapacity', '2 clusters: 2 lack CPU'],
    ['gone', 'TargetClusterNotFound', '2 clusters: 2 are not named by the direct constraint'],
  ])('%s: %s with a readable detail, retried', async (name, status, detail) => {
    const n = await scaleUp(name);
    const refused = await until(name, n, (i) => i['status'] === status, status);
    expect(refused['status_detail']).toBe(detail);
    await request(root.url)
      .delete(
        rootPath(RootRoute.SERVICE_INSTANCE_NUMBER, {
          serviceid: svc[name] as string,
          instance_number: n,
        }),
      )
      .set(bearer(token))
      .expect(200);
  });

  it('scaling down sends the undeploy to the cluster at once', async () => {
    const n = await scaleUp('geo');
    await until('geo', n, (i) => i['status'] === 'CLUSTER_SCHEDULED', 'second geo placed');
    const key = `${svc['geo'] as string}/${n}`;
    await eventually(async () => (munich.held.has(key) ? true : undefined), 5_000, 'deployed');
    await request(root.url)
      .delete(
        rootPath(RootRoute.SERVICE_INSTANCE_NUMBER, {
          serviceid: svc['geo'] as string,
          instance_number: n,
        }),
      )
      .set(bearer(token))
      .expect(200);
    await eventually(async () => (munich.held.has(key) ? undefined : true), 2_000, 'undeployed');
    expect(
      munich.commands.some(
        (c) => c.undeploy_instance?.command_id === `undeploy.${svc['geo'] as string}.${n}.0`,
      ),
    ).toBe(true);
  });

  it('reconciles reports: a lost instance is re-sent, an unknown service is undeployed (-1)', async () => {
    const key = `${svc['big'] as string}/0`;
    munich.held.delete(key); // as if the cluster lost it
    munich.held.set('cccccccccccccccccccccccc/0', {
      service_id: 'cccccccccccccccccccccccc',
      instance_number: 0,
      generation: 0,
      job: {},
    });
    await eventually(
      async () =>
        munich.held.has(key) && !munich.held.has('cccccccccccccccccccccccc/0') ? true : undefined,
      5_000,
      'reconciled',
    );
    expect(
      munich.commands.some(
        (c) => c.undeploy_instance?.command_id === 'undeploy.cccccccccccccccccccccccc.all.0',
      ),
    ).toBe(true);
  });

  it('a cluster whose session ends is inactive at once; after the grace period its instances move, and its stale copies are undeployed when it returns', async () => {
    const before = berlin.keys();
    expect(before).toHaveLength(3); // direct, small, arm
    berlin.disconnect();
    await eventually(
      async () => {
        const list = (await request(root.url).get(ClusterRegistryRoute.CLUSTERS).expect(200))
          .body as Json[];
        return list.find((c) => c['cluster_name'] === 'berlin' && c['active'] === false);
      },
      3_000,
      'berlin inactive',
    );
    const small = await until(
      'small',
      0,
      (i) => i['status'] === 'CLUSTER_SCHEDULED' && i['cluster_id'] === munich.id,
      'small moved',
    );
    expect(small['generation']).toBe(1);
    expect(munich.held.get(`${svc['small'] as string}/0`)?.generation).toBe(1);
    await until(
      'direct',
      0,
      (i) => i['status'] === 'TargetClusterNotActive',
      'direct waits for berlin',
    );
    await until(
      'arm',
      0,
      (i) => i['status'] === 'NoActiveClusterWithCapacity',
      'arm waits for an arm64 cluster',
    );

    await berlin.connect(); // same id and secret: re-registration, then a report of its stale set
    await eventually(
      async () => {
        const keys = berlin.keys();
        const direct = berlin.held.get(`${svc['direct'] as string}/0`);
        return keys.length === 2 &&
          !keys.includes(`${svc['small'] as string}/0`) &&
          direct?.generation === 1
          ? true
          : undefined;
      },
      10_000,
      'berlin converged',
    );
    expect(await instance('direct', 0)).toMatchObject({
      status: 'CLUSTER_SCHEDULED',
      cluster_id: berlin.id,
      generation: 1,
    });
    expect(
      (await request(root.url).get(ClusterRegistryRoute.CLUSTERS)).body as Json[],
    ).toHaveLength(2);
  });
});
