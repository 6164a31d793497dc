import type { ServiceTable } from '@canopy/contracts/grpc';
import type { ClusterInstance } from '../instances/cluster-instance.repository';
import {
  foundResultOf,
  hierarchyQueryOf,
  localMatchOf,
  tableAnswers,
  updateTypeOf,
  workerViewKey,
} from './remote-tables.rules';

const table = (instances: [string, string][]): ServiceTable => ({
  request_id: '',
  query_key: 'app.ns.web.ns',
  found: true,
  job_name: 'app.ns.web.ns',
  service_ips: [
    { ip_type: 'RR', address: '10.30.0.1' },
    { ip_type: 'closest', address: '10.30.0.2' },
    { ip_type: 'RR', address: 'fdff:2000::1' },
  ],
  instances: instances.map(([cluster, ns], n) => ({
    instance_number: n,
    instance_ip: `10.30.1.${n}`,
    namespace_ip: ns,
    worker_id: `w${n}`,
    cluster_id: cluster,
  })),
});

describe('hierarchyQueryOf', () => {
  it('asks by job name or by IPv4 address, exactly one of them', () => {
    expect(hierarchyQueryOf({ sname: 'a.b.c.d' })).toEqual({
      query: { job_name: 'a.b.c.d' },
      key: 'a.b.c.d',
    });
    expect(hierarchyQueryOf({ sip: '10.30.0.1', sname: '' })).toEqual({
      query: { service_ip: '10.30.0.1' },
      key: '10.30.0.1',
    });
    expect(hierarchyQueryOf({})).toHaveProperty('problem');
    expect(hierarchyQueryOf({ sname: 'a', sip: '10.30.0.1' })).toHaveProperty('problem');
    expect(hierarchyQueryOf({ sip: '10.30.0' })).toHaveProperty('problem');
    expect(hierarchyQueryOf({ sname: 'jobs/+/x' })).toHaveProperty('problem');
    expect(hierarchyQueryOf({ sname: 'x'.repeat(300) })).toHaveProperty('problem');
  });
});

describe('foundResultOf', () => {
  it("keeps only other clusters' attached instances, with ids matching the remote peer list", () => {
    const result = foundResultOf(
      table([
        ['own', '10.18.0.2'],
        ['other', '10.19.0.2'],
        ['other', ''],
      ]),
      '10.30.0.1',
      'own',
    );
    expect(result.found).toBe(true);
    expect(result.service_ips).toEqual([
      { IpType: 'RR', Address: '10.30.0.1' },
      { IpType: 'closest', Address: '10.30.0.2' },
    ]);
    expect(result.instance_list.map((i) => [i.namespace_ip, i.worker_id])).toEqual([
      ['10.19.0.2', 'other/w1'],
    ]);
  });
});

describe('change detection', () => {
  it("ignores changes of this cluster's own instances and names the direction of others", () => {
    const before = table([
      ['own', '10.18.0.2'],
      ['other', '10.19.0.2'],
    ]);
    const ownMoved = table([
      ['own', '10.18.0.3'],
      ['other', '10.19.0.2'],
    ]);
    expect(workerViewKey(ownMoved, 'own')).toBe(workerViewKey(before, 'own'));
    const grown = table([
      ['own', '10.18.0.2'],
      ['other', '10.19.0.2'],
      ['other', '10.19.0.3'],
    ]);
    expect(workerViewKey(grown, 'own')).not.toBe(workerViewKey(before, 'own'));
    expect(updateTypeOf(before, grown, 'own')).toBe('DEPLOYMENT');
    expect(updateTypeOf(grown, before, 'own')).toBe('UNDEPLOYMENT');
  });
});

describe('lookups', () => {
  it('a table answers its name, its ServiceIPs and its InstanceIPs', () => {
    const t = table([['other', '10.19.0.2']]);
    expect(tableAnswers(t, { job_name: 'app.ns.web.ns' })).toBe(true);
    expect(tableAnswers(t, { service_ip: '10.30.0.2' })).toBe(true);
    expect(tableAnswers(t, { service_ip: '10.30.1.0' })).toBe(true);
    expect(tableAnswers(t, { service_ip: '10.30.9.9' })).toBe(false);
  });

  it("finds this cluster's own service by name, ServiceIP or InstanceIP", () => {
    const instance = {
      job_name: 'app.ns.web.ns',
      job: { RR_ip: '10.30.0.1', instance_ip: '10.30.1.7' },
    } as unknown as ClusterInstance;
    expect(localMatchOf({ service_ip: '10.30.0.1' }, [instance])?.jobName).toBe('app.ns.web.ns');
    expect(localMatchOf({ service_ip: '10.30.1.7' }, [instance])?.serviceIps).toEqual([
      { IpType: 'RR', Address: '10.30.0.1' },
    ]);
    expect(localMatchOf({ job_name: 'other' }, [instance])).toBeUndefined();
  });
});
