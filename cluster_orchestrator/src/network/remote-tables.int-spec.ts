import { setTimeout as sleep } from 'node:timers/promises';
import {
  JobUpdatesAvailableDto,
  MqttTopics,
  NetPeersDto,
  NetTableQueryResultDto,
  parsePayload,
} from '@canopy/contracts';
import type { ServiceTable } from '@canopy/contracts/grpc';
import { freePort } from '@canopy/testing';
import type { MqttClient } from 'mqtt';
import { FakeRoot } from '../root-link/testing/fake-root';
import {
  eventually,
  type RegisteredWorker,
  uniqueHost,
  workerBody,
  WorkerClusterHarness,
} from '../workers/testing/worker-cluster.harness';
import { RemoteTablesService } from './remote-tables.service';

const TOKEN = 'cjt_remote_tables_test_token';
const KEY_A = 'YWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWFhYWE=';
const KEY_REMOTE = 'cmVtb3RlcmVtb3RlcmVtb3RlcmVtb3RlcmVtb3RlcmU=';

/** What one worker receives with its own broker credentials. */
class WorkerInbox {
  readonly results: NetTableQueryResultDto[] = [];
  readonly updates: { job: string; body: JobUpdatesAvailableDto; at: number }[] = [];
  readonly peers: NetPeersDto[] = [];

  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      if (payload.length === 0) return;
      if (topic.endsWith('/net/tablequery/result')) {
        const parsed = parsePayload(NetTableQueryResultDto, payload, { forbidUnknown: true });
        if (!parsed.ok) throw new Error(`invalid result: ${JSON.stringify(parsed.errors)}`);
        this.results.push(parsed.value);
      } else if (topic.endsWith('/updates_available')) {
        const parsed = parsePayload(JobUpdatesAvailableDto, payload, { forbidUnknown: true });
        if (!parsed.ok) throw new Error(`invalid update: ${JSON.stringify(parsed.errors)}`);
        this.updates.push({
          job: topic.split('/')[1] as string,
          body: parsed.value,
          at: Date.now(),
        });
      } else if (topic.endsWith('/net/peers')) {
        const parsed = parsePayload(NetPeersDto, payload, { forbidUnknown: true });
        if (!parsed.ok) throw new Error(`invalid peers: ${JSON.stringify(parsed.errors)}`);
        this.peers.push(parsed.value);
      }
    });
  }

  query(workerId: string, body: object | string): Promise<unknown> {
    return this.client.publishAsync(
      MqttTopics.netTableQueryRequest(workerId),
      typeof body === 'string' ? body : JSON.stringify(body),
      { qos: 1 },
    );
  }

  result(key: string): Promise<NetTableQueryResultDto> {
    return eventually(
      () => this.results.find((r) => r.query_key === key),
      5_000,
      `a table query result for ${key}`,
    );
  }
}

describe('table queries and interests through the root (cluster in-process, fake root over real gRPC, real FerretDB, Redis, Mosquitto)', () => {
  let root: FakeRoot;
  let h: WorkerClusterHarness;
  let a: RegisteredWorker;
  let b: RegisteredWorker;
  let inbox: WorkerInbox;
  const job = `rmt${Date.now().toString(36)}.ns.web.ns`;
  const rr = '10.30.44.1';

  /** The root's table of `job`: `remote` instances on cluster "other", one on this cluster. */
  const table = (remote: number): Omit<ServiceTable, 'request_id'> => ({
    query_key: job,
    found: true,
    job_name: job,
    service_ips: [
      { ip_type: 'RR', address: rr },
      { ip_type: 'bogus', address: '10.30.44.2' },
    ],
    instances: [
      ...Array.from({ length: remote }, (_, n) => ({
        instance_number: n,
        instance_ip: `10.30.44.${10 + n}`,
        namespace_ip: `10.19.0.${2 + n}`,
        worker_id: 'far-worker',
        cluster_id: 'other',
      })),
      {
        instance_number: 9,
        instance_ip: '10.30.44.99',
        namespace_ip: '10.18.0.2',
        worker_id: 'near',
        cluster_id: ownClusterId(),
      },
    ],
  });
  const ownClusterId = (): string => root.hellos.at(-1)?.cluster_id ?? '';

  beforeAll(async () => {
    root = new FakeRoot(await freePort(), { token: TOKEN });
    await root.start();
    root.tableFor = (q) =>
      q.job_name === job || q.service_ip === rr
        ? table(1)
        : {
            query_key: q.job_name || q.service_ip,
            found: false,
            job_name: '',
            service_ips: [],
            instances: [],
          };
    h = new WorkerClusterHarness({
      ROOT_URL: root.address,
      CLUSTER_JOIN_TOKEN: TOKEN,
      ROOT_RECONNECT_BASE_DELAY: '100ms',
      ROOT_RECONNECT_MAX_DELAY: '300ms',
      WORKER_TIMEOUT: '10m',
    });
    await h.start();
    a = await h.register(
      workerBody(uniqueHost('rt-a'), { ip: '198.18.0.41', wg_public_key: KEY_A }),
    );
    b = await h.register(workerBody(uniqueHost('rt-b'), { ip: '198.18.0.42' }));
    inbox = new WorkerInbox(await h.connectWorker(a));
    await inbox.client.subscribeAsync(
      [
        MqttTopics.netTableQueryResult(a.id),
        MqttTopics.netPeers(a.id),
        MqttTopics.jobUpdatesAvailable(job),
      ],
      { qos: 1 },
    );
    await eventually(() => (root.connected === 1 ? true : undefined), 10_000, 'the session');
  });

  afterAll(async () => {
    await h?.close();
    await root?.stop();
  });

  it('says its worker subnet pool in the Hello and its workers as tunnel peers in reports', async () => {
    expect(root.hellos.at(-1)?.worker_subnet_pool).toBe(h.config.WORKER_SUBNET_POOL);
    const report = await eventually(
      () => root.reports.find((r) => r.tunnel_peers.some((p) => p.worker_id === b.id)),
      5_000,
      'a report with both workers as peers',
    );
    const peerA = report.tunnel_peers.find((p) => p.worker_id === a.id);
    expect(peerA).toEqual({
      worker_id: a.id,
      subnet: a.subnetwork,
      endpoint: '198.18.0.41',
      port: 50103,
      public_key: KEY_A,
      cluster_id: '',
    });
  });

  it("a query by ServiceIP is answered by the root, without this cluster's own instances", async () => {
    const before = root.queries.length;
    await inbox.query(a.id, { sip: rr });
    const result = await inbox.result(rr);
    expect(root.queries.slice(before)).toEqual([
      expect.objectContaining({ job_name: '', service_ip: rr }),
    ]);
    expect(result).toEqual({
      app_name: job,
      query_key: rr,
      found: true,
      service_ips: [{ IpType: 'RR', Address: rr }],
      instance_list: [
        {
          instance_number: 0,
          instance_ip: '10.30.44.10',
          namespace_ip: '10.19.0.2',
          worker_id: 'other/far-worker',
          cluster_id: 'other',
          service_ip: [
            { IpType: 'RR', Address: rr },
            { IpType: 'instance_ip', Address: '10.30.44.10' },
          ],
        },
      ],
    });
  });

  it('an unknown address is answered found=false', async () => {
    await inbox.query(a.id, { sip: '10.30.99.99' });
    expect(await inbox.result('10.30.99.99')).toEqual({
      app_name: '',
      query_key: '10.30.99.99',
      found: false,
      instance_list: [],
    });
  });

  it('a pushed table that changes what workers see → updates_available; the same table again → nothing', async () => {
    const pushed = Date.now();
    root.broadcast({ service_table: { ...table(2), request_id: '' } });
    const update = await eventually(
      () => inbox.updates.find((u) => u.at >= pushed),
      3_000,
      'updates_available',
    );
    expect(update).toMatchObject({ job, body: { type: 'DEPLOYMENT' } });
    console.log(`push → updates_available: ${update.at - pushed} ms`);
    const count = inbox.updates.length;
    root.broadcast({ service_table: { ...table(2), request_id: '' } });
    // A change of this cluster's own instance only is invisible to its workers: no update either.
    const ownMoved = table(2);
    ownMoved.instances = ownMoved.instances.map((i) =>
      i.cluster_id === 'other' ? i : { ...i, namespace_ip: '10.18.0.3' },
    );
    root.broadcast({ service_table: { ...ownMoved, request_id: '' } });
    await sleep(500);
    expect(inbox.updates.length).toBe(count);
    root.broadcast({ service_table: { ...table(0), request_id: '' } });
    const gone = await eventually(() => inbox.updates[count], 3_000, 'the undeployment update');
    expect(gone.body.type).toBe('UNDEPLOYMENT');
    // The worker's re-query gets the new table (no remote instance left).
    await inbox.query(a.id, { sname: job });
    await eventually(
      () =>
        inbox.results.filter((r) => r.query_key === job).find((r) => r.instance_list.length === 1),
      5_000,
      'the re-query answer',
    );
  });

  it('refuses malformed and ambiguous queries without asking the root', async () => {
    const before = root.queries.length;
    const rejected = h.messages.rejected;
    await inbox.query(a.id, '{not json');
    await inbox.query(a.id, { sname: job, sip: rr });
    await inbox.query(a.id, {});
    await inbox.query(a.id, { sip: 'not-an-ip' });
    await inbox.query(a.id, { sname: 'a/b' });
    await inbox.query(a.id, { sip: 'x'.repeat(100_000) });
    await sleep(500);
    await h.messages.drained();
    expect(root.queries.length).toBe(before);
    expect(h.messages.rejected).toBeGreaterThan(rejected);
  });

  it('a flood of queries from one worker reaches the root only up to its budget', async () => {
    const before = root.queries.length;
    await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        inbox.query(a.id, { sip: `10.30.${200 + Math.floor(i / 250)}.${i % 250}` }),
      ),
    );
    await sleep(1_500);
    await h.messages.drained();
    const asked = root.queries.length - before;
    console.log(`300 queries from one worker → ${asked} asked of the root`);
    expect(asked).toBeGreaterThan(50);
    expect(asked).toBeLessThanOrEqual(100);
  });

  it("other clusters' workers from RemotePeers join every worker's peer list; ill-formed or overlapping ones do not", async () => {
    root.broadcast({
      remote_peers: {
        revision: 7,
        peers: [
          {
            worker_id: 'far-worker',
            subnet: '10.19.0.0/26',
            endpoint: '198.18.1.9',
            port: 50103,
            public_key: KEY_REMOTE,
            cluster_id: 'other',
          },
          // inside this cluster's pool: would capture local traffic
          {
            worker_id: 'clash',
            subnet: '10.18.0.0/26',
            endpoint: '198.18.1.10',
            port: 50103,
            public_key: '',
            cluster_id: 'third',
          },
          {
            worker_id: 'bad',
            subnet: 'nonsense',
            endpoint: '198.18.1.11',
            port: 50103,
            public_key: '',
            cluster_id: 'third',
          },
          {
            worker_id: 'nokey',
            subnet: '10.20.0.0/26',
            endpoint: '198.18.1.12',
            port: 70000,
            public_key: '',
            cluster_id: 'third',
          },
        ],
      },
    });
    const list = await eventually(
      () => inbox.peers.find((p) => p.peers.some((x) => x.cluster_id === 'other')),
      5_000,
      'a peer list with the remote worker',
    );
    expect(list.peers).toEqual([
      expect.objectContaining({ id: b.id, endpoint: '198.18.0.42' }),
      {
        id: 'other/far-worker',
        subnet: '10.19.0.0/26',
        endpoint: '198.18.1.9',
        port: 50103,
        public_key: KEY_REMOTE,
        cluster_id: 'other',
      },
    ]);
  });

  it('a new session registers every interest again and tells the workers to re-query', async () => {
    const before = root.queries.length;
    const updates = inbox.updates.length;
    // End the session from the root's side: the cluster reconnects with its stored identity.
    await root.stop();
    await root.start();
    await eventually(
      () => root.queries.slice(before).find((q) => q.job_name === job),
      10_000,
      'the interest registered again',
    );
    await eventually(
      () => inbox.updates[updates],
      5_000,
      'updates_available after the new session',
    );
  });

  it('net/interest/remove of the last interested worker removes the interest at the root', async () => {
    await inbox.client.publishAsync(
      MqttTopics.netInterestRemove(a.id),
      JSON.stringify({ appname: job }),
      { qos: 1 },
    );
    await eventually(
      () => (root.interestRemovals.includes(job) ? true : undefined),
      5_000,
      'InterestRemove at the root',
    );
    // Expiry finds nothing left for that job.
    await h.app.get(RemoteTablesService).expire();
  });
});
