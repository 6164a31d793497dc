import type { ClassConstructor } from 'class-transformer';
import { parsePayload } from '../parse-payload';
import {
  JobUpdatesAvailableDto,
  NetInterestRemoveDto,
  NetPeersDto,
  NetServicesDto,
  NetServiceAddressChangedDto,
  NetServiceDeployedDto,
  NetServiceUndeployedDto,
  NetSubnetRequestDto,
  NetSubnetworkResultDto,
  NetTableQueryRequestDto,
  NetTableQueryResultDto,
} from './net.dto';

const tableResult = {
  app_name: 'clientsrvr.test.nginx.test',
  query_key: '10.30.30.30',
  instance_list: [
    {
      instance_number: 0,
      instance_ip: '10.30.0.5',
      instance_ip_v6: 'fdff::5',
      namespace_ip: '10.18.0.2',
      namespace_ip_v6: 'fc00::2',
      host_ip: '198.18.0.2',
      host_port: 50103,
      service_ip: [
        { IpType: 'RR', Address: '10.30.30.30', Address_v6: 'fdff:2000::30' },
        { IpType: 'instance_ip', Address: '10.30.0.5', Address_v6: 'fdff::5' },
      ],
    },
  ],
};

describe('net payloads', () => {
  it.each<[string, ClassConstructor<object>, object]>([
    ['subnet request', NetSubnetRequestDto, { METHOD: 'GET' }],
    [
      'subnetwork result',
      NetSubnetworkResultDto,
      { address: '10.18.0.64', addressv6: 'fc00::100' },
    ],
    ['table query by ip', NetTableQueryRequestDto, { sname: '', sip: '10.30.30.30' }],
    ['table query result', NetTableQueryResultDto, tableResult],
    [
      'service deployed',
      NetServiceDeployedDto,
      {
        appname: 'a.b.c.d',
        status: 'DEPLOYED',
        instance_number: 0,
        nsip: '10.18.0.2',
        nsipv6: 'fc00::2',
        host_ip: '198.18.0.2',
        host_port: '50103',
      },
    ],
    [
      'address changed',
      NetServiceAddressChangedDto,
      { appname: 'a.b.c.d', instance_number: 1, host_ip: '198.18.0.3', host_port: '50103' },
    ],
    ['service undeployed', NetServiceUndeployedDto, { appname: 'a.b.c.d', instance_number: 1 }],
    ['interest remove', NetInterestRemoveDto, { appname: 'a.b.c.d' }],
    ['job updates', JobUpdatesAvailableDto, { type: 'UNDEPLOYMENT' }],
  ])('accepts a %s with Oakestra field names', (_description, dto, body) => {
    const result = parsePayload(dto, JSON.stringify(body), { forbidUnknown: true });
    expect(result).toEqual({ ok: true, value: expect.objectContaining(body) });
  });

  it.each<[string, ClassConstructor<object>, object, string]>([
    ['subnet request with a bad METHOD', NetSubnetRequestDto, { METHOD: 'POST' }, 'METHOD'],
    ['subnet request in lower case key', NetSubnetRequestDto, { method: 'GET' }, 'METHOD'],
    [
      'table result without instance_list',
      NetTableQueryResultDto,
      { app_name: 'x' },
      'instance_list',
    ],
    [
      'table result with a string host_port',
      NetTableQueryResultDto,
      { ...tableResult, instance_list: [{ ...tableResult.instance_list[0], host_port: '50103' }] },
      'instance_list[0].host_port',
    ],
    [
      'table result with a service_ip without Address',
      NetTableQueryResultDto,
      { ...tableResult, instance_list: [{ instance_number: 0, service_ip: [{ IpType: 'RR' }] }] },
      'instance_list[0].service_ip[0].Address',
    ],
    [
      'service deployed with a numeric host_port',
      NetServiceDeployedDto,
      { appname: 'a', instance_number: 0, nsip: 'x', host_ip: 'y', host_port: 1 },
      'host_port',
    ],
    ['job updates with an unknown type', JobUpdatesAvailableDto, { type: 'CHANGED' }, 'type'],
  ])('rejects a %s', (_description, dto, body, path) => {
    const result = parsePayload(dto, JSON.stringify(body));
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toContain(path);
  });
});

describe('NetPeersDto (Canopy, nodes/<id>/net/peers)', () => {
  const key = 'yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
  const peer = { id: 'w2', subnet: '10.18.0.64/26', endpoint: '198.18.0.2', port: 50103 };

  it('accepts a peer list with and without WireGuard keys', () => {
    const body = { revision: 3, peers: [{ ...peer, public_key: key }, peer] };
    expect(parsePayload(NetPeersDto, JSON.stringify(body), { forbidUnknown: true })).toMatchObject({
      ok: true,
      value: body,
    });
  });

  it.each([
    [{ revision: -1, peers: [] }, 'revision'],
    [{ revision: 1, peers: [{ ...peer, port: 0 }] }, 'peers[0].port'],
    [{ revision: 1, peers: [{ ...peer, public_key: 'not-a-key' }] }, 'peers[0].public_key'],
    [{ revision: 1, peers: 'x' }, 'peers'],
  ])('rejects %j', (body, path) => {
    const result = parsePayload(NetPeersDto, JSON.stringify(body));
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toContain(path);
  });
});

describe('NetServicesDto (Canopy, nodes/<id>/net/services)', () => {
  const service = {
    job_name: 'app.ns.web.ns',
    service_ips: [
      { IpType: 'RR', Address: '10.30.30.30' },
      { IpType: 'closest', Address: '10.30.30.31' },
    ],
    instances: [
      { instance_number: 0, instance_ip: '10.30.0.5', namespace_ip: '10.18.0.2', worker_id: 'w1' },
      { instance_number: 1, namespace_ip: '10.18.0.66', worker_id: 'w2' },
    ],
  };

  it('accepts a service table (instance_ip optional) and an empty one', () => {
    for (const body of [
      { revision: 7, services: [service] },
      { revision: 0, services: [] },
    ]) {
      expect(
        parsePayload(NetServicesDto, JSON.stringify(body), { forbidUnknown: true }),
      ).toMatchObject({ ok: true, value: body });
    }
  });

  it.each([
    [{ services: [] }, 'revision'],
    [{ revision: 1.5, services: [] }, 'revision'],
    [{ revision: 1, services: {} }, 'services'],
    [{ revision: 1, services: [{ ...service, job_name: 3 }] }, 'services[0].job_name'],
    [
      {
        revision: 1,
        services: [{ ...service, service_ips: [{ IpType: 'instance_ip', Address: 'x' }] }],
      },
      'services[0].service_ips[0].IpType',
    ],
    [
      {
        revision: 1,
        services: [{ ...service, instances: [{ instance_number: 0, worker_id: 'w1' }] }],
      },
      'services[0].instances[0].namespace_ip',
    ],
    [
      {
        revision: 1,
        services: [
          { ...service, instances: [{ instance_number: -1, namespace_ip: 'a', worker_id: 'w' }] },
        ],
      },
      'services[0].instances[0].instance_number',
    ],
  ])('rejects %j', (body, path) => {
    const result = parsePayload(NetServicesDto, JSON.stringify(body));
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toContain(path);
  });
});
