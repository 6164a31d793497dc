import { decodeTableQueryResult, mergeServiceTables, tableAddresses } from './query-table';

const result = {
  app_name: 'app.ns.db.ns',
  query_key: '10.30.5.5',
  found: true,
  service_ips: [{ IpType: 'RR', Address: '10.30.5.5' }],
  instance_list: [
    {
      instance_number: 0,
      namespace_ip: '10.18.1.2',
      instance_ip: '10.30.5.10',
      worker_id: 'w-far',
      cluster_id: 'c2',
      service_ip: [
        { IpType: 'closest', Address: '10.30.5.6' },
        { IpType: 'instance_ip', Address: '10.30.5.10' },
      ],
    },
    { instance_number: 1, namespace_ip: '10.18.2.2', host_ip: '192.0.2.9' },
    { instance_number: 2 }, // no namespace IP: not routable
  ],
};

describe(decodeTableQueryResult.name, () => {
  it('turns a found result into a queried service (ServiceIPs from both shapes)', () => {
    expect(decodeTableQueryResult(JSON.stringify(result))).toEqual({
      kind: 'found',
      queryKey: '10.30.5.5',
      service: {
        jobName: 'app.ns.db.ns',
        serviceIps: [
          { IpType: 'RR', Address: '10.30.5.5' },
          { IpType: 'closest', Address: '10.30.5.6' },
        ],
        instances: [
          {
            instance_number: 0,
            namespace_ip: '10.18.1.2',
            instance_ip: '10.30.5.10',
            worker_id: 'w-far',
          },
          { instance_number: 1, namespace_ip: '10.18.2.2', worker_id: 'host:192.0.2.9' },
        ],
      },
    });
  });

  it('reports not found (found=false or no app name) and invalid payloads', () => {
    expect(
      decodeTableQueryResult(
        JSON.stringify({ app_name: '', query_key: '10.30.9.9', found: false, instance_list: [] }),
      ),
    ).toEqual({ kind: 'not-found', queryKey: '10.30.9.9' });
    expect(decodeTableQueryResult('{"app_name":"x"}')).toMatchObject({ kind: 'invalid' });
    expect(decodeTableQueryResult('nope')).toMatchObject({ kind: 'invalid' });
  });
});

describe(mergeServiceTables.name, () => {
  const cluster = [
    {
      job_name: 'app.ns.db.ns',
      service_ips: [{ IpType: 'RR' as const, Address: '10.30.5.5' }],
      instances: [{ instance_number: 3, namespace_ip: '10.18.0.2', worker_id: 'me' }],
    },
    {
      job_name: 'local.only',
      service_ips: [{ IpType: 'RR' as const, Address: '10.30.1.1' }],
      instances: [{ instance_number: 0, namespace_ip: '10.18.0.3', worker_id: 'me' }],
    },
  ];

  it('unites instances per job (namespace IP de-duplicated, cluster copy first) and ServiceIPs', () => {
    const merged = mergeServiceTables(cluster, [
      {
        jobName: 'app.ns.db.ns',
        serviceIps: [
          { IpType: 'RR', Address: '10.30.5.5' },
          { IpType: 'closest', Address: '10.30.5.6' },
        ],
        instances: [
          { instance_number: 9, namespace_ip: '10.18.0.2', worker_id: 'dup' },
          { instance_number: 0, namespace_ip: '10.18.1.2', worker_id: 'w-far' },
        ],
      },
      {
        jobName: 'remote.only',
        serviceIps: [{ IpType: 'RR', Address: '10.30.7.7' }],
        instances: [],
      },
    ]);
    expect(merged.map((s) => s.job_name)).toEqual(['app.ns.db.ns', 'local.only', 'remote.only']);
    expect(merged[0]?.service_ips.map((ip) => ip.Address)).toEqual(['10.30.5.5', '10.30.5.6']);
    expect(merged[0]?.instances.map((i) => i.worker_id)).toEqual(['me', 'w-far']);
    expect(cluster[0]?.instances).toHaveLength(1); // input untouched
    expect([...tableAddresses(merged)].sort()).toEqual([
      '10.30.1.1',
      '10.30.5.5',
      '10.30.5.6',
      '10.30.7.7',
    ]);
  });

  it('without queries the table is the cluster table', () => {
    expect(mergeServiceTables(cluster, [])).toEqual(cluster);
  });
});
