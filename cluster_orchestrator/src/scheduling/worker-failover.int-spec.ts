import { InstanceStatus, MqttTopics, NodeStatusPayload } from '@canopy/contracts';
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

/**
 * A lost worker's instances move to another worker (real FerretDB, Redis/BullMQ, Mosquitto):
 * worker A goes offline (its last will), stays away longer than WORKER_RESCHEDULE_GRACE, and
 * its instance is placed on B; A's reservation is given back; when A comes back and still
 * reports the old copy, it is told to remove it.
 */
describe('worker failover (real FerretDB, Redis, Mosquitto)', () => {
  const h = new WorkerClusterHarness({
    WORKER_TIMEOUT: '1s',
    WORKER_RESCHEDULE_GRACE: '2s',
    CLUSTER_SCHEDULING_RETRY_INTERVAL: '300ms',
  });
  const serviceId = uniqueHexId();
  const jobName = `fo${serviceId.slice(-6)}.ns.svc.ns`;
  let a: RegisteredWorker;
  let b: RegisteredWorker;
  const clients = new Map<string, MqttClient>();
  const dead = new Set<string>();
  let keepAlive: NodeJS.Timeout | undefined;

  beforeAll(async () => {
    await h.start();
    a = await h.register(workerBody(uniqueHost('fo-a'), { allocatable_memory: 256 }));
    b = await h.register(workerBody(uniqueHost('fo-b'), { allocatable_memory: 256 }));
    for (const w of [a, b]) clients.set(w.id, await h.connectWorker(w));
    // Both report like real workers (every 300 ms here); a worker stops when it "dies".
    keepAlive = setInterval(() => {
      for (const [id, client] of clients) {
        if (!dead.has(id)) {
          client.publish(MqttTopics.nodeInformation(id), JSON.stringify({ cpu_percent: 1 }));
        }
      }
    }, 300);
    await h.watch(
      [a, b].flatMap((w) => [
        MqttTopics.nodeControlDeploy(w.id),
        MqttTopics.nodeControlDelete(w.id),
      ]),
    );
  });

  afterAll(async () => {
    clearInterval(keepAlive);
    await h.close();
  });

  it('moves the instances of a worker lost for longer than the grace period, and removes its stale copy when it returns', async () => {
    await h.deploy(serviceId, 0, serviceJob(serviceId, jobName, { memory: 100 }));
    const first = await eventually(
      async () => {
        const i = await h.instance(serviceId, 0);
        return i?.status === InstanceStatus.NODE_SCHEDULED ? i : undefined;
      },
      10_000,
      'placed',
    );
    const [lost, survivor] = first.worker_id === a.id ? [a, b] : [b, a];
    expect((await h.worker(lost.id)).free.memory).toBe(156);

    // The worker holding it dies: last will "offline", no more reports.
    dead.add(lost.id);
    await h.admin.publishAsync(MqttTopics.nodeStatus(lost.id), NodeStatusPayload.OFFLINE, {
      qos: 1,
    });
    const t0 = Date.now();
    const moved = await eventually(
      async () => {
        const i = await h.instance(serviceId, 0);
        return i?.status === InstanceStatus.NODE_SCHEDULED && i.worker_id === survivor.id
          ? i
          : undefined;
      },
      15_000,
      'moved to the surviving worker',
    );
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1_500); // not before the grace period
    expect(moved.reservation).toMatchObject({ worker_id: survivor.id, memory: 100 });
    expect((await h.worker(lost.id)).free.memory).toBe(256); // its reservation given back
    expect((await h.worker(survivor.id)).free.memory).toBe(156);
    expect(
      h
        .receivedOn(MqttTopics.nodeControlDeploy(survivor.id))
        .some((m) => (m.body as { job_name?: string }).job_name === jobName),
    ).toBe(true);

    // The lost worker comes back and still reports the old copy: it is told to remove it.
    dead.delete(lost.id);
    clients
      .get(lost.id)
      ?.publish(
        MqttTopics.nodeJobsResources(lost.id),
        JSON.stringify({ services: [{ job_name: jobName, instance: 0, generation: 0 }] }),
      );
    const removal = await eventually(
      async () =>
        h
          .receivedOn(MqttTopics.nodeControlDelete(lost.id))
          .find((m) => (m.body as { job_name?: string }).job_name === jobName),
      10_000,
      'stale copy removed from the returning worker',
    );
    // Without a generation: no tombstone on the returning worker, so the instance can be placed
    // back there one day (it keeps its generation when it moves).
    expect(removal.body).toEqual({ job_name: jobName, instance_number: 0 });
    // The moved instance stays where it is.
    expect(await h.instance(serviceId, 0)).toMatchObject({ worker_id: survivor.id });
  });
});
