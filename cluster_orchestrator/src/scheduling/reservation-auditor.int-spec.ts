import { InstanceStatus } from '@canopy/contracts';
import {
  eventually,
  serviceJob,
  uniqueHexId,
  uniqueHost,
  workerBody,
  WorkerClusterHarness,
} from '../workers/testing/worker-cluster.harness';
import { ReservationAuditor } from './reservation-auditor.service';

/**
 * Leaked reservations (cluster in-process, real FerretDB, Redis, Mosquitto): a worker's `free`
 * knocked off its reservations — as a crash between the two writes of a reservation or release
 * leaves it — is set right by the auditor, in either direction; a consistent worker is left alone.
 */
describe('reservation auditor', () => {
  const h = new WorkerClusterHarness({
    WORKER_TIMEOUT: '10m',
    RESERVATION_AUDIT_INTERVAL: '200ms',
    RESERVATION_LEAK_AGE: '1s',
  });
  let workerId = '';
  const freeMemory = async (): Promise<number> => (await h.worker(workerId)).free.memory;

  beforeAll(async () => {
    await h.start();
    workerId = (await h.register(workerBody(uniqueHost('audit')))).id;
    const serviceId = uniqueHexId();
    expect(
      (
        await h.deploy(
          serviceId,
          0,
          serviceJob(serviceId, `au${serviceId.slice(-6)}.ns.a.ns`, { memory: 100 }),
        )
      ).ok,
    ).toBe(true);
    await eventually(
      async () => {
        const i = await h.instance(serviceId, 0);
        return i?.status === InstanceStatus.NODE_SCHEDULED ? i : undefined;
      },
      10_000,
      'the instance placed',
    );
  });

  afterAll(() => h.close());

  it('leaves a consistent worker alone', async () => {
    expect(await freeMemory()).toBe(156);
    const auditor = h.app.get(ReservationAuditor);
    expect(await auditor.audit()).toEqual([]);
    expect(await auditor.audit()).toEqual([]);
    expect(await freeMemory()).toBe(156);
  });

  it.each([
    ['a reservation taken but never recorded on an instance', -50],
    ['a reservation given back twice', 30],
  ])('repairs %s', async (_what, delta) => {
    await h
      .db()
      .collection('workers')
      .updateOne({ _id: workerId as never }, { $inc: { 'free.memory': delta, rev: 1 } });
    expect(await freeMemory()).toBe(156 + delta);
    const started = Date.now();
    await eventually(
      async () => ((await freeMemory()) === 156 ? true : undefined),
      5_000,
      'free repaired',
    );
    console.log(
      `free ${156 + delta} → 156 after ${Date.now() - started} ms (audit every 200 ms, leak age 1 s)`,
    );
  });
});
