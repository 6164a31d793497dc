import { ClusterRegistryRoute, RootRoute, rootPath } from '@canopy/contracts';
import type { InstanceReport, Report, ResourceAggregate } from '@canopy/contracts/grpc';
import request from 'supertest';
import { RawClusterClient, type SessionProbe } from '../grpc/testing/raw-cluster-client';
import {
  adminLogin,
  bearer,
  eventually,
  type RootTestApp,
  simpleSla,
  startRootWithGrpc,
  activeClusters,
  createApplicationServices,
} from '../testing/root-test-app';

type Json = Record<string, unknown>;
const TOKEN = 'bootstrap-token-for-the-usage-test';

const aggregate: ResourceAggregate = {
  cpu_percent: 10,
  memory_percent: 20,
  vcpus: 8,
  memory: 8192,
  vram: 0,
  vgpus: 0,
  virtualization: ['docker'],
  supported_addons: [],
  csi_drivers: [],
  gpu_drivers: [],
  active_nodes: 1,
  vram_percent: 0,
  gpu_temp: 0,
  gpu_percent: 0,
};

/**
 * What a cluster reports of an instance reaches GET /api/service/<id>: status, worker, address,
 * usage and log tail (reference §1.6 instance record), over the real session protocol (a raw
 * gRPC client plays the cluster, so the test chooses every reported value) and FerretDB.
 */
describe('instance usage and logs from cluster reports (root in-process, real gRPC)', () => {
  let root: RootTestApp;
  let client: RawClusterClient;
  let session: SessionProbe;
  let clusterId: string;
  let token: string;
  let serviceId: string;
  let seq = 0;

  const send = (instances: InstanceReport[]): void => {
    const report: Report = {
      cluster_id: clusterId,
      seq: ++seq,
      aggregate,
      aggregation_per_architecture: { amd64: aggregate },
      instances,
      tunnel_peers: [],
    };
    session.send({ report });
  };

  const observed = (fields: Partial<InstanceReport>): InstanceReport => ({
    service_id: serviceId,
    job_name: 'usage.test.nginx.test',
    instance_number: 0,
    status: 'RUNNING',
    status_detail: '',
    namespace_ip: '',
    worker_id: 'worker-1',
    host_ip: '192.0.2.10',
    cpu_percent: 12.5,
    memory_percent: 40.25,
    logs: 'listening on :80\n',
    generation: 0,
    ...fields,
  });

  const instance = async (): Promise<Json> => {
    const body = (
      await request(root.url)
        .get(rootPath(RootRoute.SERVICE, { serviceid: serviceId }))
        .set(bearer(token))
        .expect(200)
    ).body as Json;
    return (body['instance_list'] as Json[])[0] as Json;
  };

  /** The root handles a session's messages one at a time, in order: once a later report is
   * recorded (the cluster's last_modified_timestamp moves), every earlier one is reconciled. */
  const settled = async (): Promise<void> => {
    const lastReport = async (): Promise<number> => {
      const clusters = (await request(root.url).get(ClusterRegistryRoute.CLUSTERS).expect(200))
        .body as Json[];
      const me = clusters.find((c) => c['_id'] === clusterId);
      return Number(me?.['last_modified_timestamp'] ?? 0);
    };
    const before = await lastReport();
    await new Promise((resolve) => setTimeout(resolve, 20));
    send([observed({})]);
    await eventually(async () => ((await lastReport()) > before ? true : undefined), 5_000);
  };

  beforeAll(async () => {
    const started = await startRootWithGrpc(TOKEN, {
      SCHEDULING_RETRY_INTERVAL: '1s',
    });
    root = started.root;
    token = (await adminLogin(root)).token;
    client = new RawClusterClient(started.address);
    const registered = await client.register({
      cluster_name: 'usage',
      cluster_location: '48.1374,11.5755,50',
      join_token: TOKEN,
    });
    clusterId = registered.id;
    session = client.connect();
    session.send({
      hello: {
        cluster_id: clusterId,
        cluster_secret: registered.cluster_secret,
        protocol_version: 1,
        // The test sends reports itself; a long period keeps the cluster active meanwhile.
        report_interval_ms: 60_000,
        worker_subnet_pool: '',
      },
    });
    await session.next((m) => Boolean(m.welcome));
    send([]);
    await activeClusters(root.url, 1);
    serviceId = (await createApplicationServices(root.url, token, simpleSla('usage', ['nginx'])))[
      'nginx'
    ] as string;
    await request(root.url)
      .post(rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: serviceId }))
      .set(bearer(token))
      .expect(200);
    await session.next((m) => m.deploy_instance?.service_id === serviceId);
  });

  afterAll(async () => {
    session?.close();
    client?.close();
    await root?.close();
  });

  it('shows the reported status, worker, address, usage and log tail', async () => {
    send([observed({})]);
    const shown = await eventually(
      async () => {
        const i = await instance();
        return i['status'] === 'RUNNING' ? i : undefined;
      },
      5_000,
      'the report recorded',
    );
    expect(shown).toMatchObject({
      status: 'RUNNING',
      status_detail: '',
      worker_id: 'worker-1',
      host_ip: '192.0.2.10',
      cpu_percent: 12.5,
      memory_percent: 40.25,
      logs: 'listening on :80\n',
    });
  });

  it('records a usage-and-logs-only change, keeping a known address the report omits', async () => {
    send([observed({ cpu_percent: 77, logs: 'listening on :80\nGET / 200\n', host_ip: '' })]);
    const shown = await eventually(
      async () => {
        const i = await instance();
        return i['cpu_percent'] === 77 ? i : undefined;
      },
      5_000,
      'the usage recorded',
    );
    expect(shown).toMatchObject({
      status: 'RUNNING',
      host_ip: '192.0.2.10',
      worker_id: 'worker-1',
      memory_percent: 40.25,
      logs: 'listening on :80\nGET / 200\n',
    });
  });

  it('an unchanged report writes nothing (last_modified_timestamp stays)', async () => {
    send([observed({})]);
    await settled();
    const before = await instance();
    expect(before['cpu_percent']).toBe(12.5);
    send([observed({ worker_id: '', host_ip: '' })]); // "unknown" ids change nothing either
    send([observed({})]);
    await settled();
    expect(await instance()).toEqual(before);
  });

  it('ignores a report with a root-only status whole, usage included', async () => {
    const before = await instance();
    send([observed({ status: 'REQUESTED', cpu_percent: 99, logs: 'ignored\n' })]);
    await settled();
    expect(await instance()).toEqual(before);
  });
});
