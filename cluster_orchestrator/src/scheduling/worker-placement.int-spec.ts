import { InstanceStatus, MqttTopics, NegativeSchedulingStatus } from '@canopy/contracts';
import type { MqttClient } from 'mqtt';
import {
  eventually,
  type ReceivedMessage,
  type RegisteredWorker,
  serviceJob,
  sleep,
  type StoredInstance,
  uniqueHexId,
  uniqueHost,
  workerBody,
  WorkerClusterHarness,
} from '../workers/testing/worker-cluster.harness';
import { SchedulingReconciler } from './scheduling-reconciler';

const WORKER_MEMORY = 256;
const WORKER_VCPUS = 4;
const JOB_MEMORY = 100;
const PER_WORKER = Math.floor(WORKER_MEMORY / JOB_MEMORY); // 2
const COUNT = 50;

/**
 * The cluster scheduler against the whole cluster app (real FerretDB, Redis/BullMQ, Mosquitto):
 * 50 concurrent deploys onto two small workers registered over HTTP. Whatever the interleaving
 * of the 8 concurrent placement jobs and their retries, no worker may be committed beyond its
 * capacity, and every placement is announced to its worker exactly once.
 */
describe('cluster scheduler: placement with atomic reservations (real FerretDB, Redis, Mosquitto)', () => {
  const h = new WorkerClusterHarness({
    WORKER_TIMEOUT: '10m', // the registered workers stay active for the whole run
    CLUSTER_SCHEDULING_RETRY_INTERVAL: '300ms',
  });
  const serviceId = uniqueHexId();
  const jobName = `sch${serviceId.slice(-6)}.ns.svc.ns`;
  const workers: RegisteredWorker[] = [];
  let w1Client: MqttClient;
  /** Capacity violations seen by the monitor at any time during the run. */
  const violations: string[] = [];
  let monitor: NodeJS.Timeout | undefined;
  let monitorRuns = 0;
  /** Instance numbers placed so far, per worker (across the tests). */
  let placedBefore: StoredInstance[] = [];

  const deploysTo = (w: RegisteredWorker): ReceivedMessage[] =>
    h.receivedOn(MqttTopics.nodeControlDeploy(w.id));
  const deletesTo = (w: RegisteredWorker): ReceivedMessage[] =>
    h.receivedOn(MqttTopics.nodeControlDelete(w.id));
  const mine = () => h.instances({ service_id: serviceId });
  const placed = (all: StoredInstance[]) =>
    all.filter((i) => i.status === InstanceStatus.NODE_SCHEDULED);
  const countBy = (list: StoredInstance[]) => {
    const counts: Record<string, number> = {};
    for (const w of workers) counts[w.id] = 0;
    for (const i of list) counts[i.worker_id] = (counts[i.worker_id] ?? 0) + 1;
    return counts;
  };

  /** free = capacity − Σ reservations held on it, per resource, for every worker. */
  async function expectAccountingConsistent(): Promise<void> {
    const all = await h.instances();
    for (const w of workers) {
      const view = await h.worker(w.id);
      const held = all.filter((i) => i.reservation?.worker_id === w.id);
      const sum = (key: 'vcpus' | 'memory' | 'vgpus') =>
        held.reduce((total, i) => total + (i.reservation?.[key] ?? 0), 0);
      expect({ worker: w.host, free: view.free }).toEqual({
        worker: w.host,
        free: {
          vcpus: view.capacity.vcpus - sum('vcpus'),
          memory: view.capacity.memory - sum('memory'),
          vgpus: view.capacity.vgpus - sum('vgpus'),
        },
      });
      expect(view.free.memory).toBeGreaterThanOrEqual(0);
      expect(view.free.vcpus).toBeGreaterThanOrEqual(0);
    }
  }

  /** Instance numbers announced on control/deploy to `w` (with their full bodies checked). */
  function announced(w: RegisteredWorker): number[] {
    return deploysTo(w)
      .map((m) => m.body as Record<string, unknown>)
      .filter((body) => body['_id'] === serviceId)
      .map((body) => {
        expect(body).toMatchObject({
          _id: serviceId,
          job_name: jobName,
          generation: 0,
          image: 'busybox',
          virtualization: 'docker',
          memory: JOB_MEMORY,
          vcpus: 1,
        });
        return body['instance_number'] as number;
      })
      .sort((x, y) => x - y);
  }

  const numbersOn = (list: StoredInstance[], w: RegisteredWorker) =>
    list
      .filter((i) => i.worker_id === w.id)
      .map((i) => i.instance_number)
      .sort((x, y) => x - y);

  beforeAll(async () => {
    await h.start();
    // By design the reconciler re-publishes every NODE_SCHEDULED deploy every 10 s (a deploy
    // lost while a worker was away arrives eventually; workers ignore a generation they have).
    // Its timer is stopped so that the deploys the scheduler itself sends can be counted.
    h.app.get(SchedulingReconciler).onApplicationShutdown();
    for (const name of ['sch-w1', 'sch-w2']) {
      workers.push(
        await h.register(
          workerBody(uniqueHost(name), {
            allocatable_memory: WORKER_MEMORY,
            allocatable_vcpus: WORKER_VCPUS,
            virtualization: ['docker'],
            architecture: 'amd64',
          }),
        ),
      );
    }
    w1Client = await h.connectWorker(workers[0] as RegisteredWorker);
    await h.watch(
      workers.flatMap((w) => [
        MqttTopics.nodeControlDeploy(w.id),
        MqttTopics.nodeControlDelete(w.id),
      ]),
    );

    // Watches the invariant continuously, not only where the test looks.
    const check = async () => {
      monitorRuns++;
      const docs = await h.documents('workers');
      const all = await h.instances();
      for (const doc of docs) {
        const free = doc['free'] as { vcpus: number; memory: number };
        const capacity = doc['capacity'] as { vcpus: number; memory: number };
        if (free.memory < 0 || free.vcpus < 0) {
          violations.push(`${String(doc['host'])}: free ${JSON.stringify(free)}`);
        }
        const held = all.filter((i) => i.reservation?.worker_id === doc['_id']);
        const memory = held.reduce((t, i) => t + (i.reservation?.memory ?? 0), 0);
        if (memory > capacity.memory) {
          violations.push(`${String(doc['host'])}: ${memory} MB reserved of ${capacity.memory}`);
        }
      }
    };
    const loop = () => {
      monitor = setTimeout(() => {
        check()
          .catch(() => undefined)
          .finally(() => monitor !== undefined && loop());
      }, 100);
    };
    loop();
  });

  afterAll(async () => {
    const timer = monitor;
    monitor = undefined;
    clearTimeout(timer);
    await h.close();
  });

  it(`${COUNT} concurrent deploys (100 MB, 1 vcpu) onto 2 workers of 256 MB → exactly 4 placed, 2 per worker`, async () => {
    const w1 = workers[0] as RegisteredWorker;
    const w2 = workers[1] as RegisteredWorker;
    const acks = await Promise.all(
      Array.from({ length: COUNT }, (_, n) =>
        h.deploy(serviceId, n, serviceJob(serviceId, jobName)),
      ),
    );
    expect(acks.filter((ack) => !ack.ok)).toEqual([]);

    await eventually(
      async () => {
        const all = await mine();
        return all.length === COUNT &&
          all.every((i) => i.status !== InstanceStatus.CLUSTER_SCHEDULED) &&
          placed(all).length >= 2 * PER_WORKER
          ? true
          : undefined;
      },
      15_000,
      'the scheduler to settle',
    );
    await sleep(1_000); // three more retry rounds of the 46 waiting ones: nothing may change

    const all = await mine();
    const onWorkers = placed(all);
    expect(onWorkers).toHaveLength(2 * PER_WORKER);
    expect(countBy(onWorkers)).toEqual({ [w1.id]: PER_WORKER, [w2.id]: PER_WORKER });
    for (const i of onWorkers) {
      expect(i).toMatchObject({
        status_detail: '',
        reservation: { worker_id: i.worker_id, vcpus: 1, memory: JOB_MEMORY, vgpus: 0 },
      });
    }
    const waiting = all.filter((i) => i.status !== InstanceStatus.NODE_SCHEDULED);
    expect(waiting).toHaveLength(COUNT - 2 * PER_WORKER);
    for (const i of waiting) {
      expect(i).toMatchObject({
        status: NegativeSchedulingStatus.NO_WORKER_CAPACITY,
        status_detail: '2 workers: 2 lack memory',
        worker_id: '',
        reservation: null,
      });
    }

    for (const w of workers) {
      const view = await h.worker(w.id);
      const n = onWorkers.filter((i) => i.worker_id === w.id).length;
      expect(view.free.memory).toBe(WORKER_MEMORY - JOB_MEMORY * n);
      expect(view.free.vcpus).toBe(WORKER_VCPUS - n);
      expect(view.free.memory).toBeGreaterThanOrEqual(0);
      expect(view.instances).toBe(n);
    }
    await expectAccountingConsistent();

    // Exactly one control/deploy per placed instance, to the worker it was placed on.
    for (const w of workers) expect(announced(w)).toEqual(numbersOn(onWorkers, w));
    placedBefore = onWorkers;
    expect(monitorRuns).toBeGreaterThan(5);
    expect(violations).toEqual([]);
  });

  it('undeploying 2 placed instances releases them, deletes them on their workers, and 2 waiting ones take the space', async () => {
    const w1 = workers[0] as RegisteredWorker;
    const w2 = workers[1] as RegisteredWorker;
    const victims = [
      placedBefore.find((i) => i.worker_id === w1.id),
      placedBefore.find((i) => i.worker_id === w2.id),
    ] as StoredInstance[];
    expect(victims.every((v) => v !== undefined)).toBe(true);
    const deletesBefore = { [w1.id]: deletesTo(w1).length, [w2.id]: deletesTo(w2).length };

    const started = Date.now();
    for (const v of victims) {
      expect(await h.undeploy(serviceId, v.instance_number, v.generation)).toMatchObject({
        ok: true,
      });
      expect(await h.instance(serviceId, v.instance_number)).toBeNull();
    }

    // Each victim's worker is told to remove exactly that instance.
    await eventually(
      () =>
        workers.every((w) => deletesTo(w).length > (deletesBefore[w.id] ?? 0)) ? true : undefined,
      5_000,
      'the control/delete messages',
    );
    for (const v of victims) {
      const w = workers.find((x) => x.id === v.worker_id) as RegisteredWorker;
      expect(
        deletesTo(w)
          .slice(deletesBefore[w.id])
          .map((m) => m.body),
      ).toEqual([
        expect.objectContaining({
          job_name: jobName,
          instance_number: v.instance_number,
          generation: 0,
        }),
      ]);
    }

    // The freed space is taken by two of the waiting instances within a few retry intervals.
    const before = new Set(placedBefore.map((i) => i.instance_number));
    const newcomers = await eventually(
      async () => {
        const fresh = placed(await mine()).filter((i) => !before.has(i.instance_number));
        return fresh.length >= 2 ? fresh : undefined;
      },
      5_000,
      'two waiting instances to be placed',
    );
    // Only the delayed-job retry can place them (the reconciler is stopped): a few 300 ms rounds.
    expect(Date.now() - started).toBeLessThan(1_500);
    await sleep(1_000);

    const all = await mine();
    const onWorkers = placed(all);
    expect(all).toHaveLength(COUNT - 2);
    expect(onWorkers).toHaveLength(2 * PER_WORKER);
    expect(countBy(onWorkers)).toEqual({ [w1.id]: PER_WORKER, [w2.id]: PER_WORKER });
    expect(newcomers.map((i) => i.worker_id).sort()).toEqual(
      victims.map((v) => v.worker_id).sort(),
    );
    await expectAccountingConsistent();

    // Still exactly one deploy per instance ever placed (the victims' included).
    const everPlaced = [...placedBefore, ...newcomers];
    for (const w of workers) expect(announced(w)).toEqual(numbersOn(everPlaced, w));
    placedBefore = onWorkers;
    expect(violations).toEqual([]);
  });

  it('a direct constraint naming no worker → NO_NODE_FOUND; an unsupported runtime → NO_QUALIFIED_WORKER_FOUND', async () => {
    const w2 = workers[1] as RegisteredWorker;
    const nowhere = uniqueHexId();
    const unikernel = uniqueHexId();
    const pinned = uniqueHexId();
    const small = { memory: 10, vcpus: 1 }; // fits the 56 MB left on each worker
    await h.deploy(
      nowhere,
      0,
      serviceJob(nowhere, 'nowhere.ns.svc.ns', {
        ...small,
        constraints: [{ type: 'direct', node: 'no-such-host' }],
      }),
    );
    await h.deploy(
      unikernel,
      0,
      serviceJob(unikernel, 'uk.ns.svc.ns', { ...small, virtualization: 'unikernel' }),
    );
    // The positive control: the same small job pinned to a worker that exists is placed there.
    await h.deploy(
      pinned,
      0,
      serviceJob(pinned, 'pinned.ns.svc.ns', {
        ...small,
        constraints: [{ type: 'direct', node: w2.host }],
      }),
    );
    const settled = async (id: string) =>
      eventually(
        async () => {
          const i = await h.instance(id, 0);
          return i && i.status !== InstanceStatus.CLUSTER_SCHEDULED ? i : undefined;
        },
        5_000,
        `instance of ${id} to be decided`,
      );

    expect(await settled(nowhere)).toMatchObject({
      status: NegativeSchedulingStatus.NO_NODE_FOUND,
      status_detail: '2 workers: 2 are not named by the direct constraint',
      reservation: null,
    });
    expect(await settled(unikernel)).toMatchObject({
      status: NegativeSchedulingStatus.NO_QUALIFIED_WORKER_FOUND,
      status_detail: '2 workers: 2 lack the unikernel runtime',
      reservation: null,
    });
    expect(await settled(pinned)).toMatchObject({
      status: InstanceStatus.NODE_SCHEDULED,
      worker_id: w2.id,
      reservation: { worker_id: w2.id, memory: 10, vcpus: 1, vgpus: 0 },
    });
    const freeW2 = (await h.worker(w2.id)).free;
    expect(freeW2).toEqual({
      vcpus: WORKER_VCPUS - PER_WORKER - 1,
      memory: WORKER_MEMORY - JOB_MEMORY * PER_WORKER - 10,
      vgpus: 0,
    });
    await expectAccountingConsistent();

    // Undeploying it gives exactly its 10 MB back (no waiting 100 MB instance fits there).
    await h.undeploy(pinned, 0, 0);
    expect((await h.worker(w2.id)).free).toEqual({
      vcpus: freeW2.vcpus + 1,
      memory: freeW2.memory + 10,
      vgpus: 0,
    });
    await h.undeploy(nowhere, 0, 0);
    await h.undeploy(unikernel, 0, 0);
    expect(await h.instances({ service_id: { $in: [nowhere, unikernel, pinned] } })).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('undeploying the whole service (-1) gives every reservation back and deletes each placed instance', async () => {
    const deletesBefore = Object.fromEntries(workers.map((w) => [w.id, deletesTo(w).length]));
    expect(await h.undeploy(serviceId, -1, 0)).toMatchObject({ ok: true });
    expect(await mine()).toEqual([]);
    for (const w of workers) {
      expect((await h.worker(w.id)).free).toEqual({
        vcpus: WORKER_VCPUS,
        memory: WORKER_MEMORY,
        vgpus: 0,
      });
    }
    await eventually(
      () =>
        workers.every((w) => deletesTo(w).length >= (deletesBefore[w.id] ?? 0) + PER_WORKER)
          ? true
          : undefined,
      5_000,
      'the control/delete messages',
    );
    for (const w of workers) {
      const deleted = deletesTo(w)
        .slice(deletesBefore[w.id])
        .map((m) => (m.body as { instance_number: number }).instance_number)
        .sort((x, y) => x - y);
      expect(deleted).toEqual(numbersOn(placedBefore, w));
    }
    await sleep(700); // the removed scheduling jobs must not bring anything back
    expect(await mine()).toEqual([]);
    expect(violations).toEqual([]);
  });

  it('a worker reporting COMPLETED for its one_shot instance → COMPLETED, reservation released once', async () => {
    const w1 = workers[0] as RegisteredWorker;
    const oneShot = uniqueHexId();
    const oneShotJob = 'batch.ns.svc.ns';
    await h.deploy(
      oneShot,
      0,
      serviceJob(oneShot, oneShotJob, {
        one_shot: true,
        constraints: [{ type: 'direct', node: w1.host }],
      }),
    );
    await eventually(
      async () =>
        (await h.instance(oneShot, 0))?.status === InstanceStatus.NODE_SCHEDULED ? true : undefined,
      5_000,
      'the one_shot instance to be placed',
    );
    expect((await h.worker(w1.id)).free).toEqual({
      vcpus: WORKER_VCPUS - 1,
      memory: WORKER_MEMORY - JOB_MEMORY,
      vgpus: 0,
    });
    const deploy = await eventually(
      () => deploysTo(w1).find((m) => (m.body as { _id?: string })._id === oneShot),
      5_000,
      'the one_shot deploy',
    );
    expect(deploy.body).toMatchObject({ job_name: oneShotJob, one_shot: true, generation: 0 });

    const report = (status: string) =>
      w1Client.publishAsync(
        MqttTopics.nodeJob(w1.id),
        JSON.stringify({ sname: oneShotJob, instance: 0, status, generation: 0 }),
        { qos: 1 },
      );
    await report(InstanceStatus.RUNNING);
    await report(InstanceStatus.COMPLETED);
    await eventually(
      async () =>
        (await h.instance(oneShot, 0))?.status === InstanceStatus.COMPLETED ? true : undefined,
      5_000,
      'COMPLETED',
    );
    await h.barrier();
    expect(await h.instance(oneShot, 0)).toMatchObject({
      status: InstanceStatus.COMPLETED,
      worker_id: w1.id,
      reservation: null,
    });
    const full = { vcpus: WORKER_VCPUS, memory: WORKER_MEMORY, vgpus: 0 };
    expect((await h.worker(w1.id)).free).toEqual(full);

    // A re-sent COMPLETED, and then the undeploy, give nothing back a second time.
    await report(InstanceStatus.COMPLETED);
    await h.barrier();
    expect((await h.worker(w1.id)).free).toEqual(full);
    const deletesBefore = deletesTo(w1).length;
    await h.undeploy(oneShot, 0, 0);
    expect((await h.worker(w1.id)).free).toEqual(full);
    await eventually(
      () => (deletesTo(w1).length > deletesBefore ? true : undefined),
      5_000,
      'the control/delete of the finished one_shot',
    );
    expect(deletesTo(w1)[deletesBefore]?.body).toMatchObject({
      job_name: oneShotJob,
      instance_number: 0,
      generation: 0,
    });
    await expectAccountingConsistent();
    expect(violations).toEqual([]);
  });
});
