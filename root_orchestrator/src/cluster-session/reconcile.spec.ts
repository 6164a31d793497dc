import type { InstanceReport } from '@canopy/contracts/grpc';
import { type DesiredInstance, isPlanEmpty, reconcileReport } from './reconcile';

const A = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const B = 'bbbbbbbbbbbbbbbbbbbbbbbb';

function desired(
  service_id: string,
  instance_number: number,
  generation = 0,
  status = 'CLUSTER_SCHEDULED',
): DesiredInstance {
  return { service_id, instance_number, generation, status, status_detail: '', worker_id: '' };
}

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

  it.each(['REQUESTED', 'TargetClusterNotActive', 'NoActiveClusterWithCapacity', 'nonsense'])(
    'ignores the root-only or unknown status %s from a cluster',
    (status) => {
      expect(
        reconcileReport([desired(A, 0)], [reported(A, 0, 0, { status })]).statusUpdates,
      ).toEqual([]);
    },
  );

  it('uses the highest generation when an instance is reported twice', () => {
    const plan = reconcileReport([desired(A, 0, 1)], [reported(A, 0, 0), reported(A, 0, 1)]);
    expect(isPlanEmpty(plan)).toBe(true);
  });
});
