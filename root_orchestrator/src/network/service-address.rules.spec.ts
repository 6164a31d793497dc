import { poolOf } from './address-pool';
import type { AddressClaim } from './network-address.model';
import {
  addressChangeProblems,
  orphanedClaims,
  requestedAddressProblems,
  serviceAddressesOf,
} from './service-address.rules';

const pool = poolOf('10.30.0.0/16');
const MS = (j: number): string => `applications[0].microservices[${j}]`;

describe(requestedAddressProblems.name, () => {
  it('accepts usable addresses and services that name none', () => {
    expect(
      requestedAddressProblems(pool, [
        { path: MS(0) },
        { path: MS(1), addresses: { rr_ip: '10.30.30.30', closest_ip: '10.30.30.31' } },
      ]),
    ).toEqual([]);
  });

  it('names each unusable address by its SLA path', () => {
    expect(
      requestedAddressProblems(pool, [
        { path: MS(0), addresses: { rr_ip: '10.30.1.1' } },
        { path: MS(1), addresses: { rr_ip: '10.31.0.1', closest_ip: '10.30.255.255' } },
      ]),
    ).toEqual([
      {
        path: 'applications[0].microservices[1].addresses.rr_ip',
        message: 'rr_ip must be inside the pool 10.30.0.0/16 (got 10.31.0.1)',
      },
      {
        path: 'applications[0].microservices[1].addresses.closest_ip',
        message: 'closest_ip must not be the broadcast address of 10.30.0.0/16',
      },
    ]);
  });

  it('refuses an address named twice in one request, whatever its spelling', () => {
    expect(
      requestedAddressProblems(pool, [
        { path: MS(0), addresses: { rr_ip: '10.30.9.9', closest_ip: '10.30.9.9' } },
        { path: MS(1), addresses: { rr_ip: '10.30.9.9' } },
      ]),
    ).toEqual([
      {
        path: `${MS(0)}.addresses.closest_ip`,
        message: `closest_ip 10.30.9.9 is already named at ${MS(0)}.addresses.rr_ip`,
      },
      {
        path: `${MS(1)}.addresses.rr_ip`,
        message: `rr_ip 10.30.9.9 is already named at ${MS(0)}.addresses.rr_ip`,
      },
    ]);
  });

  it('leaves IPv6 addresses alone (not allocated yet)', () => {
    expect(
      requestedAddressProblems(pool, [{ path: MS(0), addresses: { rr_ip_v6: 'fdff:2000::30' } }]),
    ).toEqual([]);
  });
});

describe(serviceAddressesOf.name, () => {
  it("builds Oakestra's RR_ip and service_ip_list (RR first), with the SLA's IPv6 as given", () => {
    expect(
      serviceAddressesOf(
        [
          { address: '10.30.0.2', ip_type: 'closest' },
          { address: '10.30.30.30', ip_type: 'RR' },
        ],
        { rr_ip: '10.30.30.30', rr_ip_v6: 'FDFF:2000:0::30' },
      ),
    ).toEqual({
      RR_ip: '10.30.30.30',
      RR_ip_v6: 'fdff:2000::30',
      service_ip_list: [
        { IpType: 'RR', Address: '10.30.30.30', Address_v6: 'fdff:2000::30' },
        { IpType: 'closest', Address: '10.30.0.2' },
      ],
    });
  });

  it('refuses to build addresses without an RR claim (a programming mistake)', () => {
    expect(() => serviceAddressesOf([], undefined)).toThrow(/no RR claim/);
  });
});

describe(addressChangeProblems.name, () => {
  const stored = {
    RR_ip: '10.30.30.30',
    RR_ip_v6: 'fdff:2000::30',
    service_ip_list: [
      { IpType: 'RR', Address: '10.30.30.30', Address_v6: 'fdff:2000::30' },
      { IpType: 'closest', Address: '10.30.0.2' },
    ],
  };

  it('accepts a PUT that leaves the addresses out or repeats them (any spelling)', () => {
    expect(addressChangeProblems(stored, undefined)).toEqual([]);
    expect(
      addressChangeProblems(stored, {
        rr_ip: '10.30.30.30',
        rr_ip_v6: 'fdff:2000:0:0::30',
        closest_ip: '10.30.0.2',
      }),
    ).toEqual([]);
  });

  it('refuses moving an address, or adding one the service does not have', () => {
    expect(
      addressChangeProblems(stored, { rr_ip: '10.30.30.31', closest_ip_v6: 'fdff:1000::1' }),
    ).toEqual([
      {
        path: 'addresses.rr_ip',
        message: 'rr_ip is 10.30.30.30 and cannot change; delete the service and add it again',
      },
      {
        path: 'addresses.closest_ip_v6',
        message:
          'closest_ip_v6 cannot be added to a registered service; delete it and add it again',
      },
    ]);
  });

  it('reads RR_ip of services stored before service_ip_list existed', () => {
    expect(addressChangeProblems({ RR_ip: '10.30.30.30' }, { rr_ip: '10.30.30.30' })).toEqual([]);
    expect(addressChangeProblems({ RR_ip: '10.30.30.30' }, { rr_ip: '10.30.0.1' })).toHaveLength(1);
  });
});

describe(orphanedClaims.name, () => {
  const claim = (id: string, service_id: string, kind: 'service' | 'instance', address: string) =>
    ({
      id,
      service_id,
      kind,
      address,
      family: 4,
      pool: '10.30.0.0/16',
      claimed_at: new Date(),
    }) as AddressClaim;

  it('finds claims of missing services and InstanceIPs no instance holds', () => {
    const services = new Map([
      ['s1', { instance_list: [{ instance_number: 0, instance_ip: '10.30.0.5' }] }],
    ]);
    const claims = [
      claim('a', 's1', 'service', '10.30.0.1'), // held by s1 (its ServiceIP)
      claim('b', 's1', 'instance', '10.30.0.5'), // held by instance 0
      claim('c', 's1', 'instance', '10.30.0.6'), // instance gone
      claim('d', 'gone', 'service', '10.30.0.7'), // service gone
    ];
    expect(orphanedClaims(claims, services).map((c) => c.id)).toEqual(['c', 'd']);
  });
});
