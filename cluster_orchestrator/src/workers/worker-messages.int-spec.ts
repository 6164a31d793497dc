import { InstanceStatus, MqttTopics, NODE_NOT_REGISTERED_MESSAGE } from '@canopy/contracts';
import type { MqttClient } from 'mqtt';
import request from 'supertest';
import {
  eventually,
  type RegisteredWorker,
  serviceJob,
  uniqueHexId,
  uniqueHost,
  workerBody,
  WorkerClusterHarness,
} from './testing/worker-cluster.harness';

const MB = 1024 * 1024;

/**
 * What workers publish, against the whole cluster app (real FerretDB, Redis, Mosquitto): each
 * worker publishes with the credentials it got at registration, as a node engine does.
 */
describe('worker MQTT ingestion (cluster in-process, real FerretDB, Redis, Mosquitto)', () => {
  const h = new WorkerClusterHarness({
    WORKER_TIMEOUT: '10m', // liveness here comes from link status only, not from silence
    CLUSTER_SCHEDULING_RETRY_INTERVAL: '300ms',
  });
  const unknownId = uniqueHexId();
  let a: RegisteredWorker;
  let b: RegisteredWorker;
  let wa: MqttClient;
  let wb: MqttClient;

  /** Publishes as `client` and waits for the broker's PUBACK. */
  const publish = (client: MqttClient, topic: string, payload: string | Buffer) =>
    client.publishAsync(topic, payload, { qos: 1 });
  const snapshot = async () => ({
    workers: await h.documents('workers'),
    instances: await h.documents('instances'),
  });

  beforeAll(async () => {
    await h.start();
    a = await h.register(workerBody(uniqueHost('msg-a'), { allocatable_memory: 1024 }));
    b = await h.register(workerBody(uniqueHost('msg-b'), { allocatable_memory: 1024 }));
    wa = await h.connectWorker(a);
    wb = await h.connectWorker(b);
    await h.watch([
      `nodes/${a.id}/control/#`,
      `nodes/${b.id}/control/#`,
      `nodes/${unknownId}/control/#`,
    ]);
  });

  afterAll(() => h.close());

  it('information from the worker → GET /api/workers shows the new facts, active', async () => {
    await publish(
      wa,
      MqttTopics.nodeInformation(a.id),
      JSON.stringify({
        ...workerBody(a.host),
        cpu_percent: 77.5,
        memory_percent: 33.25,
        labels: { zone: 'hall-9', tier: 'edge' },
        virtualization: ['docker', 'unikernel'],
        allocatable_vcpus: 6,
        allocatable_memory: 2048,
      }),
    );
    await h.barrier(); // the facts, then the capacity, are written by one handler
    expect(await h.worker(a.id)).toMatchObject({
      active: true,
      link_status: 'online',
      cpu_percent: 77.5,
      memory_percent: 33.25,
      labels: { zone: 'hall-9', tier: 'edge' },
      virtualization: ['docker', 'unikernel'],
      capacity: { vcpus: 6, memory: 2048, vgpus: 0 },
      free: { vcpus: 6, memory: 2048, vgpus: 0 },
    });
  });

  it('information with only dynamic fields (Oakestra sends a subset) keeps the registered facts', async () => {
    const c = await h.register(workerBody(uniqueHost('msg-c'), { labels: { zone: 'z1' } }));
    const wc = await h.connectWorker(c);
    const before = await h.worker(c.id);
    await publish(
      wc,
      MqttTopics.nodeInformation(c.id),
      JSON.stringify({ cpu_percent: 12.5, memory_percent: 10, memory: 9000 }),
    );
    await h.barrier();
    const after = await h.worker(c.id);
    expect(after.cpu_percent).toBe(12.5);
    expect(before).toMatchObject({ virtualization: ['docker'], architecture: 'amd64' });

    // What the scheduler filters on must not be wiped by a report that does not mention it:
    // a docker job pinned to this worker is still placed there...
    const serviceId = uniqueHexId();
    await h.deploy(
      serviceId,
      0,
      serviceJob(serviceId, 'dyn.ns.svc.ns', {
        memory: 10,
        constraints: [{ type: 'direct', node: c.host }],
      }),
    );
    const placed = await eventually(
      async () => {
        const i = await h.instance(serviceId, 0);
        return i && i.status !== InstanceStatus.CLUSTER_SCHEDULED ? i : undefined;
      },
      5_000,
      'a scheduling decision',
    );
    await h.undeploy(serviceId, 0, 0);
    expect({ status: placed.status, detail: placed.status_detail }).toEqual({
      status: InstanceStatus.NODE_SCHEDULED,
      detail: '',
    });
    // ...and the registered facts are kept.
    expect({
      virtualization: after.virtualization,
      architecture: after.architecture,
      ip: after.ip,
      capacity: after.capacity,
    }).toEqual({
      virtualization: before.virtualization,
      architecture: before.architecture,
      ip: before.ip,
      capacity: before.capacity,
    });
  });

  it('status offline → active: false, link_status offline; online or information → active again', async () => {
    const status = MqttTopics.nodeStatus(a.id);
    await publish(wa, status, 'offline');
    await eventually(
      async () => ((await h.worker(a.id)).link_status === 'offline' ? true : undefined),
      5_000,
      'offline',
    );
    expect(await h.worker(a.id)).toMatchObject({ active: false, link_status: 'offline' });

    await publish(wa, status, 'online');
    await eventually(
      async () => ((await h.worker(a.id)).link_status === 'online' ? true : undefined),
      5_000,
      'online',
    );
    expect((await h.worker(a.id)).active).toBe(true);

    await publish(wa, status, 'offline');
    await eventually(
      async () => ((await h.worker(a.id)).active === false ? true : undefined),
      5_000,
      'offline again',
    );
    await publish(wa, MqttTopics.nodeInformation(a.id), JSON.stringify(workerBody(a.host)));
    await eventually(
      async () => ((await h.worker(a.id)).active ? true : undefined),
      5_000,
      'an information to bring it back',
    );
    expect(await h.worker(a.id)).toMatchObject({ active: true, link_status: 'online' });
  });

  it('hostile payloads on its own topics are dropped: DB unchanged, app healthy', async () => {
    const info = MqttTopics.nodeInformation(a.id);
    const status = MqttTopics.nodeStatus(a.id);
    const job = MqttTopics.nodeJob(a.id);
    const resources = MqttTopics.nodeJobsResources(a.id);
    const deep = '{"a":'.repeat(100) + '1' + '}'.repeat(100);
    const hostile: [string, string | Buffer][] = [
      [info, '{oops'],
      [info, ''],
      [info, 'null'],
      [info, '[]'],
      [info, '"a string"'],
      [info, Buffer.from([0xff, 0xfe, 0x7b, 0x7d])], // not UTF-8
      [info, JSON.stringify({ cpu_percent: 'high' })],
      [info, JSON.stringify({ cpu_percent: -5 })],
      [info, JSON.stringify({ allocatable_memory: -1 })],
      [info, JSON.stringify({ allocatable_memory: 1e300 })],
      [info, JSON.stringify({ labels: { zone: 1 } })],
      [info, JSON.stringify({ virtualization: 'docker' })],
      [info, '{"__proto__":{"polluted":true},"cpu_percent":1}'],
      [info, `{"cpu_percent":1,"x":${deep}}`],
      [info, JSON.stringify({ host: 'x'.repeat(MB) })],
      [status, 'maybe'],
      [status, 'OFFLINE'],
      [status, 'offline\n'],
      [status, ''],
      [job, '{oops'],
      [job, JSON.stringify({ sname: 'x' })],
      [job, JSON.stringify({ sname: 'x', status: 'PWNED', instance: 0 })],
      [job, JSON.stringify({ sname: 'x', status: 'COMPLETED', instance: -1 })],
      [job, JSON.stringify({ sname: '', status: 'COMPLETED', instance: 0 })],
      [
        job,
        JSON.stringify({
          sname: 'x',
          status: 'RUNNING',
          instance: 0,
          status_detail: 'x'.repeat(MB),
        }),
      ],
      [resources, JSON.stringify({ services: 'x' })],
      [resources, JSON.stringify({ services: [{ job_name: 1, instance: 0 }] })],
      [
        resources,
        JSON.stringify({ services: [{ job_name: 'x', instance: 0, logs: 'x'.repeat(5000) }] }),
      ],
      [resources, JSON.stringify({ services: [{ job_name: 'x', instance: 'zero' }] })],
    ];
    const before = await snapshot();
    const rejectedBefore = h.messages.rejected;

    for (const [topic, payload] of hostile) await publish(wa, topic, payload);
    await eventually(
      () => (h.messages.rejected >= rejectedBefore + hostile.length ? true : undefined),
      10_000,
      'every hostile payload to be rejected',
    );
    await h.barrier();

    // Each one was rejected by validation (the barrier counts one more), none was applied.
    expect(h.messages.rejected).toBe(rejectedBefore + hostile.length + 1);
    expect(await snapshot()).toEqual(before);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    await request(h.server()).get('/health').expect(200);
    // The worker's session survived its own garbage, and the cluster still listens to it.
    await publish(wa, info, JSON.stringify({ ...workerBody(a.host), cpu_percent: 55 }));
    await eventually(
      async () => ((await h.worker(a.id)).cpu_percent === 55 ? true : undefined),
      5_000,
      'a valid information after the hostile ones',
    );
  });

  describe('with an instance placed on worker B', () => {
    const serviceId = uniqueHexId();
    const jobName = `msg${serviceId.slice(-6)}.ns.svc.ns`;

    beforeAll(async () => {
      const ack = await h.deploy(
        serviceId,
        0,
        serviceJob(serviceId, jobName, { constraints: [{ type: 'direct', node: b.host }] }),
      );
      expect(ack.ok).toBe(true);
      await eventually(
        async () => {
          const i = await h.instance(serviceId, 0);
          return i?.status === InstanceStatus.NODE_SCHEDULED ? i : undefined;
        },
        10_000,
        'the instance to be placed on B',
      );
    });

    it('worker A reporting on it (job status, resources) changes nothing; A is told to delete it', async () => {
      expect((await h.instance(serviceId, 0))?.worker_id).toBe(b.id);
      expect((await h.worker(b.id)).free.memory).toBe(1024 - 100);
      const before = await snapshot();
      const deleteToA = MqttTopics.nodeControlDelete(a.id);
      const deletesBefore = h.receivedOn(deleteToA).length;

      const report = { sname: jobName, instance: 0, generation: 0 };
      await publish(
        wa,
        MqttTopics.nodeJob(a.id),
        JSON.stringify({ ...report, status: 'COMPLETED' }),
      );
      await publish(wa, MqttTopics.nodeJob(a.id), JSON.stringify({ ...report, status: 'DEAD' }));
      await publish(
        wa,
        MqttTopics.nodeJob(a.id),
        JSON.stringify({ ...report, status: 'RUNNING', publicip: '203.0.113.66' }),
      );
      await publish(
        wa,
        MqttTopics.nodeJobsResources(a.id),
        JSON.stringify({
          services: [
            { job_name: jobName, instance: 0, generation: 0, cpu_percent: 99, logs: 'pwned' },
          ],
        }),
      );
      await h.barrier();

      expect(await snapshot()).toEqual(before); // B keeps its reservation, status, usage
      await eventually(
        () => (h.receivedOn(deleteToA).length >= deletesBefore + 4 ? true : undefined),
        5_000,
        'the stray-instance deletes to A',
      );
      for (const m of h.receivedOn(deleteToA).slice(deletesBefore)) {
        // Placed on another worker: no generation (no tombstone: it may be placed back on A).
        expect(m.body).toEqual({ job_name: jobName, instance_number: 0 });
      }
      expect(h.receivedOn(MqttTopics.nodeControlDelete(b.id))).toEqual([]);
    });

    it('worker B reporting on it is applied (the same reports, from the right worker)', async () => {
      await publish(
        wb,
        MqttTopics.nodeJob(b.id),
        JSON.stringify({
          sname: jobName,
          instance: 0,
          generation: 0,
          status: 'RUNNING',
          publicip: '203.0.113.7',
        }),
      );
      await publish(
        wb,
        MqttTopics.nodeJobsResources(b.id),
        JSON.stringify({
          services: [{ job_name: jobName, instance: 0, generation: 0, cpu_percent: 12.5 }],
        }),
      );
      await h.barrier();
      expect(await h.instance(serviceId, 0)).toMatchObject({
        status: InstanceStatus.RUNNING,
        host_ip: '203.0.113.7',
        cpu_percent: 12.5,
        worker_id: b.id,
        reservation: { worker_id: b.id, memory: 100, vcpus: 1, vgpus: 0 },
      });
    });

    it('messages under nodes/<unknown-id>/... published by the admin change nothing', async () => {
      const before = await snapshot();
      const rejectedBefore = h.messages.rejected;
      await publish(
        h.admin,
        MqttTopics.nodeInformation(unknownId),
        JSON.stringify({ ...workerBody(b.host), allocatable_memory: 1 }),
      );
      await publish(h.admin, MqttTopics.nodeStatus(unknownId), 'offline');
      await publish(
        h.admin,
        MqttTopics.nodeJob(unknownId),
        JSON.stringify({ sname: jobName, instance: 0, generation: 0, status: 'COMPLETED' }),
      );
      await publish(
        h.admin,
        MqttTopics.nodeJobsResources(unknownId),
        JSON.stringify({ services: [{ job_name: jobName, instance: 0, cpu_percent: 99 }] }),
      );
      // An id that is not one topic level is not a worker at all.
      await publish(h.admin, 'nodes//information', JSON.stringify(workerBody('x')));
      await h.barrier();

      expect(h.messages.rejected).toBe(rejectedBefore + 2); // 'nodes//…' and the barrier
      expect(await snapshot()).toEqual(before);
      // Nothing sent to a worker this cluster does not know (it may belong to another cluster).
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(h.received.filter((m) => m.topic.startsWith(`nodes/${unknownId}/`))).toEqual([]);
    });
  });

  it('a worker whose record is gone but whose credentials this cluster issued is told to register again', async () => {
    const d = await h.register(workerBody(uniqueHost('msg-d')));
    const wd = await h.connectWorker(d);
    await h.watch([MqttTopics.nodeControlError(d.id)]);
    await h
      .db()
      .collection('workers')
      .deleteOne({ _id: d.id as never }); // database restored
    await publish(wd, MqttTopics.nodeInformation(d.id), JSON.stringify(workerBody(d.host)));
    await eventually(
      () => (h.receivedOn(MqttTopics.nodeControlError(d.id)).length > 0 ? true : undefined),
      5_000,
      'control/error to the forgotten worker',
    );
    expect(h.receivedOn(MqttTopics.nodeControlError(d.id))[0]?.body).toEqual({
      message: NODE_NOT_REGISTERED_MESSAGE,
    });
    expect(
      await h
        .db()
        .collection('workers')
        .countDocuments({ _id: d.id as never }),
    ).toBe(0);
  });
});
