import { ServiceMode, type ServiceRoute } from '../network';
import { changedChoices, closestChoices, ewma } from './rtt-estimate';
import { serviceRoutesOf } from './service-table';

const table = [
  {
    job_name: 'web',
    service_ips: [{ IpType: 'closest' as const, Address: '10.30.0.31' }],
    instances: [
      { instance_number: 0, namespace_ip: '10.18.0.66', worker_id: 'near' },
      { instance_number: 1, namespace_ip: '10.18.0.130', worker_id: 'far' },
      { instance_number: 2, namespace_ip: '10.18.0.194', worker_id: 'unmeasured' },
    ],
  },
];
const remote = () => false;
const choice = (rtt: Record<string, number>, nodeId = 'me') =>
  closestChoices(
    serviceRoutesOf(table, nodeId, (id) => rtt[id]),
    remote,
  ).get('10.30.0.31');

describe('RTT → closest', () => {
  it('smooths samples with an EWMA (first sample as is)', () => {
    expect(ewma(undefined, 10)).toBe(10);
    expect(ewma(10, 20)).toBeCloseTo(13);
  });

  it('picks the lowest measured RTT; an unmeasured remote comes after every measured one', () => {
    expect(choice({ near: 0.4, far: 20 })).toBe('10.18.0.66');
    expect(choice({ near: 30, far: 20 })).toBe('10.18.0.130');
    expect(choice({ far: 50 })).toBe('10.18.0.130');
    // nothing measured: deterministic, lowest address
    expect(choice({})).toBe('10.18.0.66');
  });

  it('a local instance (RTT 0) beats every remote one', () => {
    expect(choice({ near: 0.1, far: 0.1 }, 'unmeasured')).toBe('10.18.0.194');
  });

  it('reports only addresses whose choice changed', () => {
    const before = closestChoices(
      serviceRoutesOf(table, 'me', (id) => ({ near: 1, far: 5 })[id]),
      remote,
    );
    const jitter = closestChoices(
      serviceRoutesOf(table, 'me', (id) => ({ near: 1.3, far: 4 })[id]),
      remote,
    );
    expect(changedChoices(before, jitter)).toEqual([]);
    const flipped = closestChoices(
      serviceRoutesOf(table, 'me', (id) => ({ near: 9, far: 4 })[id]),
      remote,
    );
    expect(changedChoices(before, flipped)).toEqual([
      { address: '10.30.0.31', from: '10.18.0.66', to: '10.18.0.130' },
    ]);
    const rr: ServiceRoute = { address: '10.30.0.30', mode: ServiceMode.ROUND_ROBIN, backends: [] };
    expect(closestChoices([rr], remote).size).toBe(0);
  });
});
