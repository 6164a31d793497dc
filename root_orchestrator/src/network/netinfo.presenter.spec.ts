import type { StoredService } from '../services/service.model';
import { toAvailableIp, toServiceNetinfo } from './netinfo.presenter';

function service(document: Record<string, unknown>, instance_list: StoredService['instance_list']) {
  return {
    id: 'a'.repeat(24),
    applicationID: 'b'.repeat(24),
    job_name: 'app.ns.web.ns',
    microservice_name: 'web',
    microservice_namespace: 'ns',
    next_instance_progressive_number: instance_list.length,
    instance_list,
    revision: 0,
    document,
  } satisfies StoredService;
}

describe(toServiceNetinfo.name, () => {
  it("answers Oakestra's netinfo fields only, leaving absent values out", () => {
    const view = toServiceNetinfo(
      service(
        {
          app_name: 'app',
          app_ns: 'ns',
          service_name: 'web',
          service_ns: 'ns',
          image: 'web:1',
          RR_ip: '10.30.0.1',
          service_ip_list: [
            { IpType: 'RR', Address: '10.30.0.1' },
            { IpType: 'closest', Address: '10.30.0.2' },
          ],
        },
        [
          { instance_number: 0, status: 'RUNNING', cluster_id: 'c1', instance_ip: '10.30.0.3' },
          { instance_number: 1, status: 'REQUESTED', cluster_id: '' },
        ],
      ),
    );
    expect(view).toEqual({
      system_job_id: 'a'.repeat(24),
      applicationID: 'b'.repeat(24),
      app_name: 'app',
      app_ns: 'ns',
      service_name: 'web',
      service_ns: 'ns',
      service_job_id: 'a'.repeat(24),
      service_ip_list: [
        { IpType: 'RR', Address: '10.30.0.1' },
        { IpType: 'closest', Address: '10.30.0.2' },
      ],
      instance_list: [
        { cluster_id: 'c1', instance_number: 0, instance_ip: '10.30.0.3' },
        { instance_number: 1 },
      ],
    });
  });

  it('falls back to RR_ip for services stored before service_ip_list existed', () => {
    expect(toServiceNetinfo(service({ RR_ip: '10.30.30.30' }, [])).service_ip_list).toEqual([
      { IpType: 'RR', Address: '10.30.30.30' },
    ]);
    expect(toServiceNetinfo(service({}, [])).service_ip_list).toEqual([]);
  });
});

describe(toAvailableIp.name, () => {
  it("formats free addresses as Oakestra's _format_service_ip", () => {
    expect(toAvailableIp('10.30.0.9', 4)).toEqual({
      Address: '10.30.0.9',
      Address_v6: null,
      IpType: 'IPv4',
    });
    expect(toAvailableIp('fdff:2000::9', 6)).toEqual({
      Address: null,
      Address_v6: 'fdff:2000::9',
      IpType: 'IPv6',
    });
  });
});
