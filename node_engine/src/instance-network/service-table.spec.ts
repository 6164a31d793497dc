import { decideServices, serviceRoutesOf, UNMEASURED_REMOTE_RTT_MS } from './service-table';

const table = {
  revision: 5,
  services: [
    {
      job_name: 'app.ns.web.ns',
      service_ips: [
        { IpType: 'RR' as const, Address: '10.30.30.30' },
        { IpType: 'closest' as const, Address: '10.30.30.31' },
      ],
      instances: [
        {
          instance_number: 0,
          instance_ip: '10.30.0.10',
          namespace_ip: '10.18.0.2',
          worker_id: 'a',
        },
        { instance_number: 1, namespace_ip: '10.18.0.66', worker_id: 'b' },
      ],
    },
  ],
};

describe(decideServices.name, () => {
  it('applies a valid table of the same or a newer revision', () => {
    expect(decideServices(JSON.stringify(table), undefined)).toEqual({
      apply: true,
      revision: 5,
      services: table.services,
    });
    expect(decideServices(JSON.stringify(table), 5)).toMatchObject({ apply: true });
  });

  it('drops an older revision and a malformed table', () => {
    expect(decideServices(JSON.stringify(table), 6)).toEqual({
      apply: false,
      reason: 'revision 5 is older than 6',
    });
    const bad = decideServices('{"revision":7,"services":[{"job_name":"x"}]}', undefined);
    expect(bad).toMatchObject({ apply: false, reason: expect.stringContaining('service_ips') });
    expect(decideServices('not json', undefined)).toMatchObject({ apply: false });
  });
});

describe(serviceRoutesOf.name, () => {
  it('builds RR, closest (local RTT 0, remote unmeasured) and InstanceIP routes', () => {
    expect(serviceRoutesOf(table.services, 'a')).toEqual([
      {
        address: '10.30.30.30',
        mode: 'round_robin',
        name: 'app.ns.web.ns',
        backends: [
          { namespaceIp: '10.18.0.2', label: '0' },
          { namespaceIp: '10.18.0.66', label: '1' },
        ],
      },
      {
        address: '10.30.30.31',
        mode: 'closest',
        name: 'app.ns.web.ns',
        backends: [
          { namespaceIp: '10.18.0.2', label: '0', rttMs: 0 },
          { namespaceIp: '10.18.0.66', label: '1', rttMs: UNMEASURED_REMOTE_RTT_MS },
        ],
      },
      {
        address: '10.30.0.10',
        mode: 'instance',
        name: 'app.ns.web.ns#0',
        backends: [{ namespaceIp: '10.18.0.2', label: '0' }],
      },
    ]);
  });

  it('uses the measured RTT of a remote worker', () => {
    const closest = serviceRoutesOf(table.services, 'a', (w) => (w === 'b' ? 4.2 : undefined)).find(
      (r) => r.mode === 'closest',
    );
    expect(closest?.backends.map((b) => b.rttMs)).toEqual([0, 4.2]);
  });

  it('on the other worker its own instance is the closest one', () => {
    const closest = serviceRoutesOf(table.services, 'b').find((r) => r.mode === 'closest');
    expect(closest?.backends.map((b) => [b.namespaceIp, b.rttMs])).toEqual([
      ['10.18.0.2', UNMEASURED_REMOTE_RTT_MS],
      ['10.18.0.66', 0],
    ]);
  });

  it('keeps the first route of an address claimed twice; no routes without instances', () => {
    const twice = [
      table.services[0],
      {
        job_name: 'other',
        service_ips: [{ IpType: 'RR' as const, Address: '10.30.30.30' }],
        instances: [{ instance_number: 0, namespace_ip: '10.18.0.3', worker_id: 'a' }],
      },
      {
        job_name: 'empty',
        service_ips: [{ IpType: 'RR' as const, Address: '10.30.9.9' }],
        instances: [],
      },
    ];
    const routes = serviceRoutesOf(twice as typeof table.services, 'a');
    expect(routes.filter((r) => r.address === '10.30.30.30').map((r) => r.name)).toEqual([
      'app.ns.web.ns',
    ]);
    expect(routes.some((r) => r.address === '10.30.9.9')).toBe(false);
  });
});
