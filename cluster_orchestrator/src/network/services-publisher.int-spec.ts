import { InstanceStatus, MqttTopics, NetServicesDto, parsePayload } from '@canopy/contracts';
import type { MqttClient } from 'mqtt';
import {
  eventually,
  type RegisteredWorker,
  serviceJob,
  uniqueHexId,
  uniqueHost,
  workerBody,
  WorkerClusterHarness,
} from '../workers/testing/worker-cluster.harness';

/** A worker's view of `nodes/<own id>/net/services`, received with its OWN broker credentials. */
class ServicesInbox {
  readonly tables: NetServicesDto[] = [];

  constructor(readonly client: MqttClient) {
    client.on('message', (topic, payload) => {
      if (payload.length === 0 || !topic.endsWith('/net/services')) return;
      const parsed = parsePayload(NetServicesDto, payload, { forbidUnknown: true });
      if (!parsed.ok) throw new Error(`invalid service table: ${JSON.stringify(parsed.errors)}`);
      this.tables.push(parsed.value);
    });
  }

  static async open(h: WorkerClusterHarness, worker: RegisteredWorker): Promise<ServicesInbox> {
    const inbox = new ServicesInbox(await h.connectWorker(worker));
    await inbox.client.subscribeAsync(MqttTopics.netServices(worker.id), { qos: 1 });
    return inbox;
  }

  get latest(): NetServicesDto | undefined {
    return this.tables.at(-1);
  }

  /** Waits until the latest table satisfies `test`. */
  until(test: (t: NetServicesDto) => boolean, what: string): Promise<NetServicesDto> {
    return eventually(
      () => {
        const t = this.latest;
        return t && test(t) ? t : undefined;
      },
      5_000,
      what,
    );
  }
}

/** The first host address of a worker subnet plus `offset` (10.18.0.0/26 + 2 → 10.18.0.2). */
function addressIn(subnet: string, offset: number): string {
  const [base] = subnet.split('/');
  const parts = (base as string).split('.').map(Number);
  parts[3] = (parts[3] as number) + offset;
  return parts.join('.');
}

describe('service tables (cluster in-process, real FerretDB, Redis, Mosquitto)', () => {
  const h = new WorkerClusterHarness({ WORKER_TIMEOUT: '10m' });
  const workers: RegisteredWorker[] = [];
  const inboxes: ServicesInbox[] = [];
  const serviceId = uniqueHexId();
  const jobName = `svc${serviceId.slice(-6)}.ns.web.ns`;
  const serviceIps = [
    { IpType: 'RR', Address: '10.30.30.30' },
    { IpType: 'closest', Address: '10.30.30.31' },
  ];
  const instanceIps = ['10.30.0.10', '10.30.0.11'];

  const job = (n: number) =>
    serviceJob(serviceId, jobName, {
      memory: 10,
      RR_ip: '10.30.30.30',
      service_ip_list: serviceIps,
      instance_ip: instanceIps[n],
      // instance n on worker n (the cluster keeps one job document per instance)
      constraints: [{ type: 'direct', node: workers[n]?.host }],
    });

  const deployed = (worker: RegisteredWorker, n: number, nsip: string) =>
    (inboxes[workers.indexOf(worker)] as ServicesInbox).client.publishAsync(
      MqttTopics.netServiceDeployed(worker.id),
      JSON.stringify({
        appname: jobName,
        instance_number: n,
        nsip,
        host_ip: `198.18.0.${31 + workers.indexOf(worker)}`,
        host_port: '50103',
      }),
      { qos: 1 },
    );

  const ours = (t: NetServicesDto) => t.services.find((s) => s.job_name === jobName);

  beforeAll(async () => {
    await h.start();
    for (let i = 0; i < 2; i++) {
      workers.push(
        await h.register(workerBody(uniqueHost(`svc-${i}`), { ip: `198.18.0.${31 + i}` })),
      );
    }
    for (const w of workers) inboxes.push(await ServicesInbox.open(h, w));
    for (const n of [0, 1]) expect((await h.deploy(serviceId, n, job(n))).ok).toBe(true);
    for (const n of [0, 1]) {
      await eventually(
        async () => {
          const i = await h.instance(serviceId, n);
          return i?.status === InstanceStatus.NODE_SCHEDULED && i.worker_id === workers[n]?.id
            ? i
            : undefined;
        },
        10_000,
        `instance ${n} to be placed on worker ${n}`,
      );
    }
  });

  afterAll(() => h.close());

  it('both workers report their instance → each worker gets (retained) the service with both', async () => {
    const [w0, w1] = workers as [RegisteredWorker, RegisteredWorker];
    const ns = [addressIn(w0.subnetwork, 2), addressIn(w1.subnetwork, 2)];
    const started = Date.now();
    await deployed(w0, 0, ns[0] as string);
    await deployed(w1, 1, ns[1] as string);
    const expected = {
      job_name: jobName,
      service_ips: serviceIps,
      instances: [
        { instance_number: 0, instance_ip: instanceIps[0], namespace_ip: ns[0], worker_id: w0.id },
        { instance_number: 1, instance_ip: instanceIps[1], namespace_ip: ns[1], worker_id: w1.id },
      ],
    };
    const tables = await Promise.all(
      inboxes.map((inbox, i) =>
        inbox.until((t) => ours(t)?.instances.length === 2, `worker ${i}'s table`),
      ),
    );
    expect(Date.now() - started).toBeLessThan(1_000); // the data plane's one-second budget
    for (const t of tables) expect(ours(t)).toEqual(expected);
    expect(tables[0]?.revision).toBe(tables[1]?.revision); // one sync, one revision

    // retained: a session subscribing later gets the latest table at once
    const late = await ServicesInbox.open(h, w0);
    const first = await late.until(() => true, 'the retained table');
    expect(first).toEqual(inboxes[0]?.latest);
  });

  it("refuses a namespace IP outside the worker's subnet and reports for another worker's instance", async () => {
    const [w0, w1] = workers as [RegisteredWorker, RegisteredWorker];
    const before = h.messages.rejected;
    const table = (inboxes[0] as ServicesInbox).latest as NetServicesDto;
    await deployed(w0, 0, addressIn(w1.subnetwork, 5)); // not w0's address
    await deployed(w0, 1, addressIn(w0.subnetwork, 9)); // instance 1 runs on w1
    await h.barrier();
    expect(h.messages.rejected).toBeGreaterThan(before);
    const stored = await h
      .db()
      .collection('instances')
      .find({ service_id: serviceId })
      .sort({ instance_number: 1 })
      .toArray();
    expect(stored.map((i) => [i['namespace_ip'], i['namespace_worker_id']])).toEqual([
      [addressIn(w0.subnetwork, 2), w0.id],
      [addressIn(w1.subnetwork, 2), w1.id],
    ]);
    await new Promise((r) => setTimeout(r, 300));
    expect((inboxes[0] as ServicesInbox).latest).toEqual(table);
  });

  it('undeploy → a newer table without the instance; net/service/undeployed → without the service', async () => {
    const [w0] = workers as [RegisteredWorker, RegisteredWorker];
    const before = (inboxes[0] as ServicesInbox).latest as NetServicesDto;
    expect((await h.undeploy(serviceId, 1)).ok).toBe(true);
    const tables = await Promise.all(
      inboxes.map((inbox, i) =>
        inbox.until((t) => ours(t)?.instances.length === 1, `worker ${i} without instance 1`),
      ),
    );
    for (const t of tables) {
      expect(t.revision).toBeGreaterThan(before.revision);
      expect(ours(t)?.instances.map((i) => i.instance_number)).toEqual([0]);
    }

    await (inboxes[0] as ServicesInbox).client.publishAsync(
      MqttTopics.netServiceUndeployed(w0.id),
      JSON.stringify({ appname: jobName, instance_number: 0 }),
      { qos: 1 },
    );
    const empty = await Promise.all(
      inboxes.map((inbox, i) =>
        inbox.until((t) => ours(t) === undefined, `worker ${i} without the service`),
      ),
    );
    for (const t of empty) expect(t.revision).toBeGreaterThan(tables[0]?.revision as number);
    const stored = await h.instance(serviceId, 0);
    expect(stored).toMatchObject({ namespace_ip: '' });
  });
});
