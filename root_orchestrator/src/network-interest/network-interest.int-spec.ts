import { ClusterRegistryRoute, RootRoute, rootPath } from '@canopy/contracts';
import type {
  InstanceReport,
  ResourceAggregate,
  RootMessage,
  ServiceQuery,
  ServiceTable,
  TunnelPeer,
} from '@canopy/contracts/grpc';
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
import { NETWORK_CHECK_INTERVAL_MS } from './network-interest.service';

type Json = Record<string, unknown>;
const TOKEN = 'bootstrap-token-for-the-network-interest-test';
const JOB = 'net.test.nginx.test';
/** Longer than a periodic check: whatever would be pushed has been by then. */
const QUIET_MS = NETWORK_CHECK_INTERVAL_MS + 700;
/** CLUSTER_RESCHEDULE_GRACE of this suite: longer than QUIET_MS, short enough to wait out. */
const GRACE_MS = 6_000;

function aggregate(vcpus: number, memory: number, activeNodes: number): ResourceAggregate {
  return {
    cpu_percent: 10,
    memory_percent: 20,
    vcpus,
    memory,
    vram: 0,
    vgpus: 0,
    virtualization: ['docker'],
    supported_addons: [],
    csi_drivers: [],
    gpu_drivers: [],
    active_nodes: activeNodes,
    vram_percent: 0,
    gpu_temp: 0,
    gpu_percent: 0,
  };
}

function peer(worker_id: string, subnet: string, endpoint: string): TunnelPeer {
  return { worker_id, subnet, endpoint, port: 50103, public_key: 'a2V5', cluster_id: '' };
}

/** A cluster played over the real protocol; the test decides every reported value. */
class TestCluster {
  id = '';
  session!: SessionProbe;
  instances: InstanceReport[] = [];
  peers: TunnelPeer[] = [];
  private secret = '';
  private seq = 0;
  private readonly client: RawClusterClient;

  constructor(
    address: string,
    readonly name: string,
    readonly pool: string,
    private readonly capacity: ResourceAggregate,
  ) {
    this.client = new RawClusterClient(address);
  }

  async connect(): Promise<void> {
    if (this.id === '') {
      const registered = await this.client.register({ cluster_name: this.name, join_token: TOKEN });
      this.id = registered.id;
      this.secret = registered.cluster_secret;
    }
    this.session = this.client.connect();
    this.session.send({
      hello: {
        cluster_id: this.id,
        cluster_secret: this.secret,
        protocol_version: 1,
        // The test sends reports itself; a long period keeps the cluster active meanwhile.
        report_interval_ms: 60_000,
        worker_subnet_pool: this.pool,
      },
    });
    await this.session.next((m) => Boolean(m.welcome));
    this.report();
  }

  report(): void {
    this.session.send({
      report: {
        cluster_id: this.id,
        seq: ++this.seq,
        aggregate: this.capacity,
        aggregation_per_architecture: { amd64: this.capacity },
        instances: this.instances,
        tunnel_peers: this.peers,
      },
    });
  }

  query(fields: Partial<ServiceQuery> & { request_id: string }): Promise<ServiceTable> {
    this.session.send({ service_query: { job_name: '', service_ip: '', ...fields } });
    return this.session
      .next((m) => m.service_table?.request_id === fields.request_id)
      .then((m) => m.service_table as ServiceTable);
  }

  /** Pushed tables (empty request id) received from index `from` on. */
  pushes(from = 0): ServiceTable[] {
    return this.session.received
      .slice(from)
      .filter((m) => m.service_table && m.service_table.request_id === '')
      .map((m) => m.service_table as ServiceTable);
  }

  peerLists(): NonNullable<RootMessage['remote_peers']>[] {
    return this.session.received.flatMap((m) => (m.remote_peers ? [m.remote_peers] : []));
  }

  close(): void {
    this.session?.close();
    this.client.close();
  }
}

/**
 * The root's hierarchy-wide network control plane over real gRPC sessions and FerretDB: service
 * table queries and interest-driven pushes across clusters, remote tunnel peers, and clusters
 * with overlapping worker subnet pools kept out.
 */
describe('service tables and tunnel peers across clusters (root in-process, real gRPC)', () => {
  let root: RootTestApp;
  let address: string;
  let token: string;
  let serviceId: string;
  let a: TestCluster;
  let b: TestCluster;
  let c: TestCluster | undefined;
  let rrIp: string;

  const service = async (): Promise<Json> =>
    (
      await request(root.url)
        .get(rootPath(RootRoute.SERVICE, { serviceid: serviceId }))
        .set(bearer(token))
        .expect(200)
    ).body as Json;

  const clusters = async (): Promise<Json[]> =>
    (await request(root.url).get(ClusterRegistryRoute.CLUSTERS).expect(200)).body as Json[];

  const scaleUp = async (): Promise<{ n: number; generation: number }> => {
    const before = b.session.received.length;
    const n = (
      (
        await request(root.url)
          .post(rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: serviceId }))
          .set(bearer(token))
          .expect(200)
      ).body as { instance_number: number }
    ).instance_number;
    const deploy = await eventually(
      async () =>
        b.session.received.slice(before).find((m) => m.deploy_instance?.instance_number === n)
          ?.deploy_instance ?? undefined,
      10_000,
      `instance ${n} deployed on B`,
    );
    return { n, generation: deploy.generation };
  };

  const running = (n: number, generation: number, namespace_ip: string): InstanceReport => ({
    service_id: serviceId,
    job_name: JOB,
    instance_number: n,
    status: 'RUNNING',
    status_detail: '',
    worker_id: 'wb1',
    host_ip: '192.0.2.20',
    cpu_percent: 1,
    memory_percent: 1,
    logs: '',
    generation,
    namespace_ip,
  });

  const instanceIp = async (n: number): Promise<string> => {
    const list = (await service())['instance_list'] as Json[];
    return String(list.find((i) => i['instance_number'] === n)?.['instance_ip']);
  };

  const recorded = (n: number, namespaceIp: string): Promise<true> =>
    eventually(
      async () => {
        const list = (await service())['instance_list'] as Json[];
        const i = list.find((x) => x['instance_number'] === n);
        return i?.['namespace_ip'] === namespaceIp ? true : undefined;
      },
      5_000,
      `namespace_ip ${namespaceIp} of instance ${n} recorded`,
    );

  beforeAll(async () => {
    const started = await startRootWithGrpc(TOKEN, {
      SCHEDULING_RETRY_INTERVAL: '1s',
      CLUSTER_RESCHEDULE_GRACE: `${GRACE_MS / 1000}s`,
    });
    root = started.root;
    address = started.address;
    token = (await adminLogin(root)).token;
    // A has no capacity, so every instance lands on B.
    a = new TestCluster(address, 'net-a', '10.18.0.0/16', aggregate(0, 0, 0));
    a.peers = [peer('wa1', '10.18.0.0/26', '192.0.2.10')];
    b = new TestCluster(address, 'net-b', '10.19.0.0/16', aggregate(8, 8192, 1));
    b.peers = [peer('wb1', '10.19.0.0/26', '192.0.2.20')];
    await a.connect();
    await b.connect();
    await activeClusters(root.url, 2);
    serviceId = (await createApplicationServices(root.url, token, simpleSla('net', ['nginx'])))[
      'nginx'
    ] as string;
    rrIp = String((await service())['RR_ip']);
    const first = await scaleUp();
    b.instances = [running(first.n, first.generation, '10.19.0.5')];
    b.report();
    await recorded(first.n, '10.19.0.5');
  });

  afterAll(async () => {
    a?.close();
    b?.close();
    c?.close();
    await root?.close();
  });

  it('answers queries by job name, RR ServiceIP and InstanceIP with the instance on B', async () => {
    const ip0 = await instanceIp(0);
    const expected = {
      found: true,
      job_name: JOB,
      service_ips: expect.arrayContaining([{ ip_type: 'RR', address: rrIp }]) as unknown,
      instances: [
        {
          instance_number: 0,
          instance_ip: ip0,
          namespace_ip: '10.19.0.5',
          worker_id: 'wb1',
          cluster_id: b.id,
        },
      ],
    };
    expect(await a.query({ request_id: 'q-name', job_name: JOB })).toMatchObject({
      ...expected,
      query_key: JOB,
    });
    expect(await a.query({ request_id: 'q-rr', service_ip: rrIp })).toMatchObject({
      ...expected,
      query_key: rrIp,
    });
    expect(await a.query({ request_id: 'q-inst', service_ip: ip0 })).toMatchObject({
      ...expected,
      query_key: ip0,
    });
  });

  it('answers found=false for an unknown name or address', async () => {
    expect(await a.query({ request_id: 'q-x', job_name: 'no.such.job.here' })).toEqual(
      expect.objectContaining({
        found: false,
        query_key: 'no.such.job.here',
        instances: [],
        service_ips: [],
      }),
    );
    expect(await a.query({ request_id: 'q-y', service_ip: '10.30.255.254' })).toMatchObject({
      found: false,
      query_key: '10.30.255.254',
    });
  });

  it('pushes the new table to the interested session well within a second', async () => {
    await a.query({ request_id: 'q-interest', job_name: JOB });
    const second = await scaleUp();
    const started = Date.now();
    b.instances = [...b.instances, running(second.n, second.generation, '10.19.0.6')];
    b.report();
    // next() wakes on each received message, so the measurement is not rounded to a poll.
    const message = await a.session.next(
      (m) => m.service_table?.request_id === '' && m.service_table.instances.length === 2,
      2_000,
    );
    const latency = Date.now() - started;
    const pushed = message.service_table as ServiceTable;
    console.log(`ServiceTable push latency (B report sent → A received): ${latency} ms`);
    expect(latency).toBeLessThan(1_000);
    expect(pushed).toMatchObject({ request_id: '', query_key: JOB, found: true, job_name: JOB });
    expect(pushed.instances.map((i) => [i.instance_number, i.namespace_ip, i.cluster_id])).toEqual([
      [0, '10.19.0.5', b.id],
      [second.n, '10.19.0.6', b.id],
    ]);
  });

  it('a detached namespace (namespace_ip "") is recorded and the instance leaves the table', async () => {
    const from = a.session.received.length;
    b.instances = b.instances.map((i) =>
      i.instance_number === 1 ? { ...i, namespace_ip: '' } : i,
    );
    b.report();
    await recorded(1, '');
    const pushed = await eventually(
      async () => a.pushes(from).find((t) => t.instances.length === 1),
      2_000,
      'the table without instance 1',
    );
    expect(pushed.instances.map((i) => i.instance_number)).toEqual([0]);
  });

  it('after InterestRemove nothing more is pushed', async () => {
    a.session.send({ interest_remove: { job_name: JOB } });
    // Messages of a session are handled in order: once this is answered the remove is done.
    await a.query({ request_id: 'sync-remove', job_name: 'no.such.job.here' });
    const from = a.session.received.length;
    b.instances = b.instances.map((i) =>
      i.instance_number === 1 ? { ...i, namespace_ip: '10.19.0.7' } : i,
    );
    b.report();
    await recorded(1, '10.19.0.7');
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(a.pushes(from)).toEqual([]);
  });

  it('a new session starts without interests', async () => {
    await a.query({ request_id: 'q-again', job_name: JOB }); // interested in the old session
    a.session.close();
    await a.connect();
    const from = a.session.received.length;
    b.instances = b.instances.map((i) =>
      i.instance_number === 1 ? { ...i, namespace_ip: '10.19.0.8' } : i,
    );
    b.report();
    await recorded(1, '10.19.0.8');
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(a.pushes(from)).toEqual([]);
  });

  it("gives A B's tunnel peers (cluster_id set), never its own, and updates them", async () => {
    const latest = (): NonNullable<RootMessage['remote_peers']> | undefined => a.peerLists().at(-1);
    // Sent right after Welcome on A's new session.
    expect(a.session.received.findIndex((m) => m.remote_peers)).toBe(
      a.session.received.findIndex((m) => m.welcome) + 1,
    );
    expect(latest()?.peers).toEqual([{ ...b.peers[0], cluster_id: b.id }]);
    const before = latest()?.revision ?? 0;
    b.peers = [...b.peers, peer('wb2', '10.19.0.64/26', '192.0.2.21')];
    b.report();
    const updated = await eventually(
      async () => (latest()?.peers.length === 2 ? latest() : undefined),
      2_000,
      "B's second worker in A's peers",
    );
    expect(updated.revision).toBeGreaterThan(before);
    expect(updated.peers.map((p) => [p.worker_id, p.cluster_id])).toEqual([
      ['wb1', b.id],
      ['wb2', b.id],
    ]);
    for (const list of a.peerLists()) {
      expect(list.peers.map((p) => p.cluster_id)).not.toContain(a.id);
    }
    const revisions = a.peerLists().map((l) => l.revision);
    expect([...revisions].sort((x, y) => x - y)).toEqual(revisions);
    expect(new Set(revisions).size).toBe(revisions.length);
  });

  it('keeps a cluster whose pool overlaps out of the exchange and records why', async () => {
    const joiner = new TestCluster(address, 'net-c', '10.19.128.0/17', aggregate(0, 0, 0));
    c = joiner;
    joiner.peers = [peer('wc1', '10.19.128.0/26', '192.0.2.30')];
    await joiner.connect();
    const problem = await eventually(
      async () => {
        const me = (await clusters()).find((x) => x['_id'] === joiner.id);
        return typeof me?.['network_problem'] === 'string'
          ? String(me['network_problem'])
          : undefined;
      },
      5_000,
      'the problem recorded on net-c',
    );
    expect(problem).toContain('net-c');
    expect(problem).toContain('net-b');
    expect(problem).toContain('10.19.128.0/17');
    expect(problem).toContain('10.19.0.0/16');
    expect(problem).toContain('WORKER_SUBNET_POOL');
    expect((await clusters()).find((x) => x['_id'] === b.id)?.['network_problem']).toBeNull();
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    // C gets no peers and no remote instances; nobody gets C's peers.
    expect(joiner.peerLists().length).toBeGreaterThan(0);
    for (const list of joiner.peerLists()) expect(list.peers).toEqual([]);
    for (const who of [a, b]) {
      for (const list of who.peerLists()) {
        expect(list.peers.map((p) => p.cluster_id)).not.toContain(joiner.id);
      }
    }
    const seen = await joiner.query({ request_id: 'c-q', job_name: JOB });
    expect(seen).toMatchObject({ found: true, job_name: JOB, instances: [] });
    const fromA = await a.query({ request_id: 'a-q', job_name: JOB });
    expect(fromA.instances.map((i) => i.cluster_id)).not.toContain(joiner.id);
    expect(fromA.instances.length).toBe(2);
  });

  it('answers hostile queries found=false (or not at all), stays up and writes nothing', async () => {
    const storedBefore = await service();
    const clustersBefore = (await clusters()).map(
      ({ last_modified_timestamp: _t, ...rest }) => rest,
    );
    const huge = 'x'.repeat(10 * 1024);
    const refused = [
      { request_id: 'h-both', job_name: JOB, service_ip: rrIp },
      { request_id: 'h-neither' },
      { request_id: 'h-long-name', job_name: huge },
      { request_id: 'h-long-ip', service_ip: huge },
      { request_id: 'h-bad-ip', service_ip: '10.30.0.999' },
    ];
    for (const q of refused) {
      expect(await a.query(q)).toMatchObject({ found: false, instances: [], service_ips: [] });
    }
    const from = a.session.received.length;
    a.session.send({ service_query: { request_id: huge, job_name: JOB, service_ip: '' } });
    // Still served, in order: the over-long request id got no answer at all.
    expect(await a.query({ request_id: 'h-after', job_name: JOB })).toMatchObject({ found: true });
    expect(
      a.session.received.slice(from).filter((m) => m.service_table?.request_id === huge),
    ).toEqual([]);
    expect(await service()).toEqual(storedBefore);
    expect((await clusters()).map(({ last_modified_timestamp: _t, ...rest }) => rest)).toEqual(
      clustersBefore,
    );
  });

  it("a cluster cut off from the root stays in the others' tables and peers until the reschedule grace is over", async () => {
    await a.query({ request_id: 'q-before-cut', job_name: JOB }); // A is interested
    const from = a.session.received.length;
    const peersOfB = (): TunnelPeer[] =>
      (a.peerLists().at(-1)?.peers ?? []).filter((p) => p.cluster_id === b.id);
    expect(peersOfB().length).toBe(2);
    b.close(); // B's link to the root is gone; its workers keep serving through the tunnels
    const cut = Date.now();
    await eventually(
      async () =>
        (await clusters()).find((x) => x['_id'] === b.id)?.['active'] === false ? true : undefined,
      5_000,
      'B inactive at the root',
    );
    await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
    expect(Date.now() - cut).toBeLessThan(GRACE_MS); // still inside the grace
    expect(a.pushes(from)).toEqual([]);
    expect(peersOfB().length).toBe(2);
    const during = await a.query({ request_id: 'q-during-cut', job_name: JOB });
    expect(during.instances.map((i) => i.cluster_id)).toEqual([b.id, b.id]);

    // Past the grace B's instances are placed elsewhere: they leave A's table, B leaves its peers.
    const pushed = await eventually(
      async () => a.pushes(from).find((t) => t.instances.every((i) => i.cluster_id !== b.id)),
      GRACE_MS + 5_000,
      "a table without B's instances",
    );
    console.log(`B cut off → its instances left A's table after ${Date.now() - cut} ms`);
    expect(Date.now() - cut).toBeGreaterThanOrEqual(GRACE_MS);
    expect(pushed.found).toBe(true);
    await eventually(
      async () => (peersOfB().length === 0 ? true : undefined),
      5_000,
      "B's workers out of A's peers",
    );
  }, 30_000);
});
