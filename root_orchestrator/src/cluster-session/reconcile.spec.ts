import type { InstanceReport } from '@canopy/contracts/grpc';
import {
  type DesiredInstance,
  isPlanEmpty,
  logTail,
  MAX_LOGS_CHARS,
  reconcileReport,
} from './reconcile';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbb';

function desired(
  service_id: string,
  instance_number: number,
  generation = 0,
  status = 'CLUSTER_SCHEDULED',
  overrides: Partial<DesiredInstance> = {},
): DesiredInstance {
  return {
    service_id,
    instance_number,
    generation,
    status,
    status_detail: '',
    worker_id: '',
    host_ip: '',
    namespace_ip: '',
    cpu_percent: 0,
    memory_percent: 0,
    logs: '',
    ...overrides,
  };
}

/** An instance the root recorded as running on w1 with some usage and a log tail. */
const RUNNING: Partial<DesiredInstance> = {
  worker_id: 'w1',
  host_ip: '10.0.0.2',
  cpu_percent: 12.5,
  memory_percent: 40,
  logs: 'started\n',
};
const RUNNING_REPORT: Partial<InstanceReport> = {
  status: 'RUNNING',
  worker_id: 'w1',
  host_ip: '10.0.0.2',
  cpu_percent: 12.5,
  memory_percent: 40,
  logs: 'started\n',
};

function reported(
  service_id: string,
  instance_number: number,
  generation = 0,
  overrides: Partial<InstanceReport> = {},
): InstanceReport {
  return {
    service_id,
    job_name: 'a.b.c.d',
    instance_number,
    status: 'CLUSTER_SCHEDULED',
    status_detail: '',
    worker_id: '',
    host_ip: '',
    namespace_ip: '',
    cpu_percent: 0,
    memory_percent: 0,
    logs: '',
    generation,
    ...overrides,
  };
}

describe('reconcileReport', () => {
  it('converged: nothing to do', () => {
    const plan = reconcileReport([desired(A, 0), desired(A, 1)], [reported(A, 1), reported(A, 0)]);
    expect(isPlanEmpty(plan)).toBe(true);
  });

  it('re-sends what the cluster does not report (lost command, cluster restarted empty)', () => {
    const plan = reconcileReport([desired(A, 0), desired(A, 1)], [reported(A, 0)]);
    expect(plan.deploy).toEqual([desired(A, 1)]);
    expect(plan.undeploy).toEqual([]);
  });

  it('re-sends when the cluster holds an older generation (rescheduled back)', () => {
    expect(reconcileReport([desired(A, 0, 2)], [reported(A, 0, 1)]).deploy).toEqual([
      desired(A, 0, 2),
    ]);
  });

  it('accepts a newer generation at the cluster as held', () => {
    expect(isPlanEmpty(reconcileReport([desired(A, 0, 1)], [reported(A, 0, 3)]))).toBe(true);
  });

  it('undeploys single instances the root does not want there', () => {
    const plan = reconcileReport([desired(A, 0)], [reported(A, 0), reported(A, 4, 2)]);
    expect(plan.undeploy).toEqual([{ service_id: A, instance_number: 4, generation: 2 }]);
    expect(plan.undeployServices).toEqual([]);
  });

  it('undeploys a whole unknown service once (-1)', () => {
    const plan = reconcileReport([desired(A, 0)], [reported(A, 0), reported(B, 0), reported(B, 1)]);
    expect(plan.undeployServices).toEqual([B]);
    expect(plan.undeploy).toEqual([]);
  });

  it('with nothing desired, every reported service goes (e.g. after failover)', () => {
    const plan = reconcileReport([], [reported(B, 0), reported(A, 2)]);
    expect(plan.undeployServices).toEqual([A, B]);
    expect(plan.deploy).toEqual([]);
  });

  it('records status changes reported by the cluster for the same generation', () => {
    const plan = reconcileReport(
      [desired(A, 0)],
      [reported(A, 0, 0, { status: 'NODE_SCHEDULED', worker_id: 'w1', host_ip: '10.0.0.2' })],
    );
    expect(plan.statusUpdates).toEqual([
      expect.objectContaining({
        service_id: A,
        instance_number: 0,
        status: 'NODE_SCHEDULED',
        worker_id: 'w1',
        host_ip: '10.0.0.2',
      }),
    ]);
    expect(plan.deploy).toEqual([]);
  });

  it('records every observation of the report, usage and log tail included', () => {
    const plan = reconcileReport(
      [desired(A, 0)],
      [reported(A, 0, 0, { ...RUNNING_REPORT, status_detail: 'up' })],
    );
    expect(plan.statusUpdates).toEqual([
      {
        service_id: A,
        instance_number: 0,
        generation: 0,
        status: 'RUNNING',
        status_detail: 'up',
        worker_id: 'w1',
        host_ip: '10.0.0.2',
        namespace_ip: '',
        cpu_percent: 12.5,
        memory_percent: 40,
        logs: 'started\n',
      },
    ]);
  });

  it('records the namespace address in canonical form; a malformed one counts as detached', () => {
    const attached = reconcileReport(
      [desired(A, 0, 0, 'RUNNING', RUNNING)],
      [reported(A, 0, 0, { ...RUNNING_REPORT, namespace_ip: '10.018.0.5' })],
    );
    expect(attached.statusUpdates).toEqual([]); // malformed = '' = what is stored
    const good = reconcileReport(
      [desired(A, 0, 0, 'RUNNING', RUNNING)],
      [reported(A, 0, 0, { ...RUNNING_REPORT, namespace_ip: 'FDFF::0:5' })],
    );
    expect(good.statusUpdates).toEqual([expect.objectContaining({ namespace_ip: 'fdff::5' })]);
    const huge = reconcileReport(
      [desired(A, 0, 0, 'RUNNING', { ...RUNNING, namespace_ip: '10.18.0.5' })],
      [reported(A, 0, 0, { ...RUNNING_REPORT, namespace_ip: '1'.repeat(10_000) })],
    );
    expect(huge.statusUpdates).toEqual([expect.objectContaining({ namespace_ip: '' })]);
  });

  it('a report equal to what the root stores produces no update (no write)', () => {
    const plan = reconcileReport(
      [desired(A, 0, 0, 'RUNNING', RUNNING)],
      [reported(A, 0, 0, RUNNING_REPORT)],
    );
    expect(isPlanEmpty(plan)).toBe(true);
  });

  it.each<[string, Partial<InstanceReport>]>([
    ['cpu_percent', { cpu_percent: 80 }],
    ['memory_percent', { memory_percent: 41.5 }],
    ['logs', { logs: 'started\nrequest 1\n' }],
    ['logs emptied', { logs: '' }],
    ['host_ip', { host_ip: '10.0.0.9' }],
    ['namespace_ip', { namespace_ip: '10.18.0.5' }],
    ['worker_id', { worker_id: 'w2' }],
    ['status_detail', { status_detail: 'restarted' }],
    ['status', { status: 'FAILED' }],
  ])('with the status unchanged, a different %s alone is recorded', (_field, change) => {
    const plan = reconcileReport(
      [desired(A, 0, 0, 'RUNNING', RUNNING)],
      [reported(A, 0, 0, { ...RUNNING_REPORT, ...change })],
    );
    expect(plan.statusUpdates).toEqual([
      expect.objectContaining({ instance_number: 0, ...change }),
    ]);
    expect(plan.deploy).toEqual([]);
  });

  it('an empty worker_id or host_ip is "unknown", not a change: no update', () => {
    const plan = reconcileReport(
      [desired(A, 0, 0, 'RUNNING', RUNNING)],
      [reported(A, 0, 0, { ...RUNNING_REPORT, worker_id: '', host_ip: '' })],
    );
    expect(plan.statusUpdates).toEqual([]);
  });

  it('an emptied namespace_ip is a change (the namespace is gone): recorded', () => {
    const plan = reconcileReport(
      [desired(A, 0, 0, 'RUNNING', { ...RUNNING, namespace_ip: '10.18.0.5' })],
      [reported(A, 0, 0, { ...RUNNING_REPORT, status: 'DEAD', namespace_ip: '' })],
    );
    expect(plan.statusUpdates).toEqual([
      expect.objectContaining({ status: 'DEAD', namespace_ip: '' }),
    ]);
  });

  it('usage never recorded (null) is recorded by the first report, even as zeros', () => {
    const plan = reconcileReport(
      [
        desired(A, 0, 0, 'CLUSTER_SCHEDULED', {
          cpu_percent: null,
          memory_percent: null,
          logs: null,
        }),
      ],
      [reported(A, 0)],
    );
    expect(plan.statusUpdates).toEqual([
      expect.objectContaining({ cpu_percent: 0, memory_percent: 0, logs: '' }),
    ]);
  });

  it.each(['REQUESTED', 'TargetClusterNotActive', 'NoActiveClusterWithCapacity', 'nonsense'])(
    'ignores a report with the root-only or unknown status %s whole, usage and logs too',
    (status) => {
      const plan = reconcileReport(
        [desired(A, 0, 0, 'RUNNING', RUNNING)],
        [
          reported(A, 0, 0, {
            ...RUNNING_REPORT,
            status,
            cpu_percent: 99,
            memory_percent: 99,
            logs: 'other\n',
            host_ip: '10.0.0.9',
          }),
        ],
      );
      expect(isPlanEmpty(plan)).toBe(true);
    },
  );

  it('records usage only from a report of the same generation', () => {
    const usage = { ...RUNNING_REPORT, cpu_percent: 99, logs: 'new\n' };
    const older = reconcileReport(
      [desired(A, 0, 2, 'RUNNING', RUNNING)],
      [reported(A, 0, 1, usage)],
    );
    expect(older.statusUpdates).toEqual([]);
    expect(older.deploy).toHaveLength(1);
    const newer = reconcileReport(
      [desired(A, 0, 2, 'RUNNING', RUNNING)],
      [reported(A, 0, 3, usage)],
    );
    expect(isPlanEmpty(newer)).toBe(true);
  });

  it('records a non-finite usage as 0, so it neither breaks JSON nor differs on every report', () => {
    const report = reported(A, 0, 0, { ...RUNNING_REPORT, cpu_percent: Number.NaN });
    expect(reconcileReport([desired(A, 0, 0, 'RUNNING', RUNNING)], [report]).statusUpdates).toEqual(
      [expect.objectContaining({ cpu_percent: 0 })],
    );
    expect(
      reconcileReport([desired(A, 0, 0, 'RUNNING', { ...RUNNING, cpu_percent: 0 })], [report])
        .statusUpdates,
    ).toEqual([]);
  });

  it('keeps only the most recent MAX_LOGS_CHARS of an oversized log, and that is stable', () => {
    const logs = `${'x'.repeat(100)}${'y'.repeat(MAX_LOGS_CHARS)}`;
    const report = reported(A, 0, 0, { ...RUNNING_REPORT, logs });
    const [update] = reconcileReport(
      [desired(A, 0, 0, 'RUNNING', RUNNING)],
      [report],
    ).statusUpdates;
    expect(update?.logs).toBe('y'.repeat(MAX_LOGS_CHARS));
    // The stored (cut) tail equals the next identical report's cut tail: no write.
    expect(
      reconcileReport(
        [desired(A, 0, 0, 'RUNNING', { ...RUNNING, logs: update?.logs ?? '' })],
        [report],
      ).statusUpdates,
    ).toEqual([]);
  });

  it('uses the highest generation when an instance is reported twice', () => {
    const plan = reconcileReport([desired(A, 0, 1)], [reported(A, 0, 0), reported(A, 0, 1)]);
    expect(isPlanEmpty(plan)).toBe(true);
  });
});

describe('logTail', () => {
  it('returns a log within the bound unchanged', () => {
    const logs = 'a'.repeat(MAX_LOGS_CHARS);
    expect(logTail(logs)).toBe(logs);
  });

  it('never starts with the second half of a surrogate pair', () => {
    // '😀' is two UTF-16 units; the cut falls between them.
    const logs = `${'a'.repeat(10)}😀${'b'.repeat(MAX_LOGS_CHARS - 1)}`;
    expect(logTail(logs)).toBe('b'.repeat(MAX_LOGS_CHARS - 1));
  });
});
