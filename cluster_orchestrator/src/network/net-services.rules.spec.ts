import type { ClusterInstance } from '../instances/cluster-instance.repository';
import {
  deployedReportProblem,
  serviceIpsOf,
  servicesSnapshotKey,
  servicesSnapshotOf,
} from './net-services.rules';

const SERVICE_IPS = [
  { IpType: 'RR', Address: '10.30.30.30' },
  { IpType: 'closest', Address: '10.30.30.31' },
];

function instance(overrides: Partial<ClusterInstance> = {}): ClusterInstance {
  return {
    service_id: 's1',
    instance_number: 0,
    generation: 0,
    job_name: 'app.ns.web.ns',
    job: { job_name: 'app.ns.web.ns', RR_ip: '10.30.30.30', service_ip_list: SERVICE_IPS },
    status: 'RUNNING',
    status_detail: '',
    worker_id: 'w1',
    reservation: null,
    host_ip: '',
    namespace_ip: '10.18.0.2',
    namespace_worker_id: 'w1',
    cpu_percent: 0,
    memory_percent: 0,
    logs: '',
    restart_count: 0,
    ...overrides,
  };
}

describe(serviceIpsOf.name, () => {
  it('reads RR and closest from service_ip_list, in that order, one of each', () => {
    expect(
      serviceIpsOf({
        service_ip_list: [
          { IpType: 'closest', Address: '10.30.0.9' },
          { IpType: 'RR', Address: '10.30.0.8' },
          { IpType: 'RR', Address: '10.30.0.7' },
          { IpType: 'instance_ip', Address: '10.30.0.6' },
        ],
      }),
    ).toEqual([
      { IpType: 'RR', Address: '10.30.0.8' },
      { IpType: 'closest', Address: '10.30.0.9' },
    ]);
  });

  it('falls back to RR_ip and skips what is not IPv4', () => {
    expect(serviceIpsOf({ RR_ip: '10.30.0.8' })).toEqual([{ IpType: 'RR', Address: '10.30.0.8' }]);
    expect(
      serviceIpsOf({
        RR_ip: 'nope',
        service_ip_list: [{ IpType: 'closest', Address: 'fdff::1' }, null, 'x'],
      }),
    ).toEqual([]);
  });
});

describe(servicesSnapshotOf.name, () => {
  it('lists each service with its attached instances (namespace IP, InstanceIP, worker)', () => {
    const snapshot = servicesSnapshotOf(
      [
        instance({
          instance_number: 1,
          worker_id: 'w2',
          namespace_worker_id: 'w2',
          namespace_ip: '10.18.0.66',
        }),
        instance({ job: { ...instance().job, instance_ip: '10.30.0.5' } }),
      ],
      ['w2', 'w1'],
    );
    expect(snapshot).toEqual({
      recipients: ['w1', 'w2'],
      services: [
        {
          job_name: 'app.ns.web.ns',
          service_ips: SERVICE_IPS,
          instances: [
            {
              instance_number: 0,
              instance_ip: '10.30.0.5',
              namespace_ip: '10.18.0.2',
              worker_id: 'w1',
            },
            { instance_number: 1, namespace_ip: '10.18.0.66', worker_id: 'w2' },
          ],
        },
      ],
    });
  });

  it('leaves out instances without a namespace IP, reported by another worker, or on inactive workers', () => {
    const snapshot = servicesSnapshotOf(
      [
        instance({ namespace_ip: '' }),
        instance({ instance_number: 1, worker_id: 'w2', namespace_worker_id: 'w1' }), // moved
        instance({ instance_number: 2, worker_id: 'w3', namespace_worker_id: 'w3' }), // inactive
        instance({ instance_number: 3, worker_id: '', namespace_worker_id: '' }), // unplaced
        instance({ job_name: 'other', instance_number: 0 }),
      ],
      ['w1', 'w2'],
    );
    expect(snapshot.services.map((s) => s.job_name)).toEqual(['other']);
  });

  it('takes the ServiceIPs of the newest generation', () => {
    const snapshot = servicesSnapshotOf(
      [
        instance({ generation: 1, job: { RR_ip: '10.30.0.1' } }),
        instance({ instance_number: 1, generation: 3, job: { RR_ip: '10.30.0.3' } }),
      ],
      ['w1'],
    );
    expect(snapshot.services[0]?.service_ips).toEqual([{ IpType: 'RR', Address: '10.30.0.3' }]);
  });

  it('is canonical: the same state in another order gives the same key', () => {
    const a = instance({ job_name: 'b' });
    const b = instance({ job_name: 'a', instance_number: 2 });
    const c = instance({ job_name: 'a', instance_number: 1 });
    expect(servicesSnapshotKey(servicesSnapshotOf([a, b, c], ['w1', 'w2']))).toBe(
      servicesSnapshotKey(servicesSnapshotOf([c, a, b], ['w2', 'w1'])),
    );
  });

  it('an empty cluster still has recipients (they get an empty table)', () => {
    expect(servicesSnapshotOf([], ['w1'])).toEqual({ recipients: ['w1'], services: [] });
  });
});

describe(deployedReportProblem.name, () => {
  it("accepts a namespace IP inside the worker's subnet only", () => {
    expect(deployedReportProblem({ nsip: '10.18.0.2' }, '10.18.0.0/26')).toBeUndefined();
    expect(deployedReportProblem({ nsip: '10.18.0.66' }, '10.18.0.0/26')).toMatch(/outside/);
    expect(deployedReportProblem({ nsip: 'x' }, '10.18.0.0/26')).toMatch(/not IPv4/);
    expect(deployedReportProblem({ nsip: '10.18.0.2' }, undefined)).toMatch(/no subnet/);
  });
});
