import type { InstanceRecord, StoredService } from '../services/service.model';
import {
  buildServiceTable,
  MAX_JOB_NAME,
  MAX_REQUEST_ID,
  notFoundTable,
  parseServiceQuery,
  tableKey,
} from './service-table.rules';

function service(
  instance_list: InstanceRecord[],
  doc: Record<string, unknown> = {},
): StoredService {
  return {
    id: 'aaaaaaaaaaaaaaaaaaaaaaaa',
    applicationID: 'app',
    job_name: 'shop.prod.web.prod',
    microservice_name: 'web',
    microservice_namespace: 'prod',
    next_instance_progressive_number: instance_list.length,
    instance_list,
    revision: 0,
    document: {
      RR_ip: '10.30.0.1',
      service_ip_list: [
        { IpType: 'RR', Address: '10.30.0.1' },
        { IpType: 'closest', Address: '10.30.0.2' },
      ],
      ...doc,
    },
  };
}

function running(
  n: number,
  cluster_id: string,
  fields: Record<string, unknown> = {},
): InstanceRecord {
  return {
    instance_number: n,
    status: 'RUNNING',
    cluster_id,
    instance_ip: `10.30.1.${n}`,
    namespace_ip: `10.18.0.${n + 2}`,
    worker_id: `w-${cluster_id}`,
    ...fields,
  };
}

describe('parseServiceQuery', () => {
  it('accepts a job name or an address (looked up canonical, answered as asked)', () => {
    expect(parseServiceQuery({ request_id: 'r1', job_name: 'a.b.c.d', service_ip: '' })).toEqual({
      ok: true,
      requestId: 'r1',
      by: 'job_name',
      key: 'a.b.c.d',
      asked: 'a.b.c.d',
    });
    expect(
      parseServiceQuery({ request_id: 'r2', job_name: '', service_ip: 'FDFF:2000:0::30' }),
    ).toMatchObject({ ok: true, by: 'service_ip', key: 'fdff:2000::30', asked: 'FDFF:2000:0::30' });
  });

  it.each([
    ['both set', { job_name: 'a.b.c.d', service_ip: '10.30.0.1' }],
    ['neither set', { job_name: '', service_ip: '' }],
    ['a 10 KB job name', { job_name: 'x'.repeat(10_000), service_ip: '' }],
    ['a job name one too long', { job_name: 'x'.repeat(MAX_JOB_NAME + 1), service_ip: '' }],
    ['a 10 KB address', { job_name: '', service_ip: '1'.repeat(10_000) }],
    ['a malformed address', { job_name: '', service_ip: '10.30.0.256' }],
  ])('refuses %s, answering found=false under the request id', (_why, fields) => {
    expect(parseServiceQuery({ request_id: 'r', ...fields })).toMatchObject({
      ok: false,
      answerAs: 'r',
    });
  });

  it('does not answer a request id too long to echo', () => {
    expect(
      parseServiceQuery({
        request_id: 'r'.repeat(MAX_REQUEST_ID + 1),
        job_name: 'a.b.c.d',
        service_ip: '',
      }),
    ).toMatchObject({ ok: false, answerAs: null });
  });
});

describe('buildServiceTable', () => {
  const everywhere = new Set(['A', 'B']);

  it('lists RR and closest ServiceIPs and the reachable instances of every visible cluster', () => {
    const table = buildServiceTable(
      service([running(1, 'B'), running(0, 'A')]),
      everywhere,
      'req',
      '10.30.0.1',
    );
    expect(table).toEqual({
      request_id: 'req',
      query_key: '10.30.0.1',
      found: true,
      job_name: 'shop.prod.web.prod',
      service_ips: [
        { ip_type: 'RR', address: '10.30.0.1' },
        { ip_type: 'closest', address: '10.30.0.2' },
      ],
      instances: [
        {
          instance_number: 0,
          instance_ip: '10.30.1.0',
          namespace_ip: '10.18.0.2',
          worker_id: 'w-A',
          cluster_id: 'A',
        },
        {
          instance_number: 1,
          instance_ip: '10.30.1.1',
          namespace_ip: '10.18.0.3',
          worker_id: 'w-B',
          cluster_id: 'B',
        },
      ],
    });
  });

  it.each<[string, InstanceRecord]>([
    ['not RUNNING', running(0, 'A', { status: 'NODE_SCHEDULED' })],
    ['DEAD with its old address', running(0, 'A', { status: 'DEAD' })],
    ['without a namespace address', running(0, 'A', { namespace_ip: '' })],
    ['never attached', running(0, 'A', { namespace_ip: undefined })],
    ['on a cluster not visible (gone past the grace, or isolated)', running(0, 'C')],
    ['not placed', { instance_number: 0, status: 'RUNNING', namespace_ip: '10.18.0.2' }],
  ])('leaves out an instance %s', (_why, instance) => {
    expect(buildServiceTable(service([instance]), everywhere, '', 'x').instances).toEqual([]);
  });

  it('falls back to RR_ip for a service stored without service_ip_list', () => {
    const table = buildServiceTable(
      service([], { service_ip_list: undefined }),
      everywhere,
      '',
      'x',
    );
    expect(table.service_ips).toEqual([{ ip_type: 'RR', address: '10.30.0.1' }]);
  });
});

describe('tableKey', () => {
  it('ignores the request id and query key, and sees every instance change', () => {
    const base = service([running(0, 'A')]);
    const visible = new Set(['A']);
    const key = tableKey(buildServiceTable(base, visible, 'r1', 'a'));
    expect(tableKey(buildServiceTable(base, visible, '', 'b'))).toBe(key);
    const moved = service([running(0, 'A', { namespace_ip: '10.18.0.99' })]);
    expect(tableKey(buildServiceTable(moved, visible, '', 'b'))).not.toBe(key);
    expect(tableKey(notFoundTable('', 'x'))).toBe(tableKey(notFoundTable('r', 'y')));
    expect(tableKey(notFoundTable('', 'x'))).not.toBe(key);
  });
});
