import { slaExample, validateSla } from '@canopy/contracts';
import {
  buildServiceDocument,
  SERVICE_SPEC_FIELDS,
  specChanges,
  specDocument,
  withAddresses,
} from './service-document';

function microservices() {
  const result = validateSla(slaExample());
  if (!result.ok) throw new Error('the reference SLA must validate');
  return result.value.applications[0]?.microservices ?? [];
}

const parent = {
  id: 'a'.repeat(24),
  application_name: 'clientsrvr',
  application_namespace: 'test',
};

describe(buildServiceDocument.name, () => {
  it("derives Oakestra's fields (reference §1.5 step 2)", () => {
    const [, nginx] = microservices();
    if (!nginx) throw new Error('nginx');
    const doc = buildServiceDocument(parent, nginx, 'b'.repeat(24));
    expect(doc).toMatchObject({
      microserviceID: 'b'.repeat(24),
      applicationID: parent.id,
      app_name: 'clientsrvr',
      app_ns: 'test',
      service_name: 'nginx',
      service_ns: 'test',
      job_name: 'clientsrvr.test.nginx.test',
      image: 'docker.io/library/nginx:latest',
      virtualization: 'docker',
      next_instance_progressive_number: 0,
      instance_list: [],
      memory: 100,
      vgpus: 0,
      cmd: [],
    });
    expect(doc).not.toHaveProperty('vcpu');
    // Addresses are claimed, not copied from the SLA: added by withAddresses once claimed.
    expect(doc).not.toHaveProperty('RR_ip');
    expect(doc).not.toHaveProperty('RR_ip_v6');
    expect(doc['addresses']).toEqual({ rr_ip: '10.30.30.30', rr_ip_v6: 'fdff:2000::30' });
  });

  it('keeps other runtimes as named', () => {
    const [curl] = microservices();
    if (!curl) throw new Error('curl');
    const doc = buildServiceDocument(
      parent,
      Object.assign(Object.create(Object.getPrototypeOf(curl)), curl, {
        virtualization: 'unikernel',
      }),
      'c'.repeat(24),
    );
    expect(doc['virtualization']).toBe('unikernel');
  });
});

describe(withAddresses.name, () => {
  it("adds Oakestra's RR_ip, RR_ip_v6 (only when known) and service_ip_list", () => {
    const service_ip_list = [
      { IpType: 'RR', Address: '10.30.0.1' },
      { IpType: 'closest', Address: '10.30.0.2' },
    ];
    expect(withAddresses({ job_name: 'a.b.c.d' }, { RR_ip: '10.30.0.1', service_ip_list })).toEqual(
      { job_name: 'a.b.c.d', RR_ip: '10.30.0.1', service_ip_list },
    );
    expect(
      withAddresses({}, { RR_ip: '10.30.0.1', RR_ip_v6: 'fdff:2000::1', service_ip_list }),
    ).toMatchObject({ RR_ip_v6: 'fdff:2000::1' });
  });
});

describe(specChanges.name, () => {
  it('sets what the new spec has and unsets what it dropped, never instances, ids or addresses', () => {
    const [, nginx] = microservices();
    if (!nginx) throw new Error('nginx');
    const current = withAddresses(buildServiceDocument(parent, nginx, 'b'.repeat(24)), {
      RR_ip: '10.30.30.30',
      RR_ip_v6: 'fdff:2000::30',
      service_ip_list: [{ IpType: 'RR', Address: '10.30.30.30', Address_v6: 'fdff:2000::30' }],
    });
    const next = specDocument(
      Object.assign(Object.create(Object.getPrototypeOf(nginx)), nginx, {
        addresses: undefined,
        memory: 5,
      }),
    );
    const { set, unset } = specChanges(current, next);
    expect(set['memory']).toBe(5);
    expect(unset).toContain('addresses');
    for (const untouched of [
      'RR_ip',
      'RR_ip_v6',
      'service_ip_list',
      'instance_list',
      'next_instance_progressive_number',
      'job_name',
      'applicationID',
    ]) {
      expect(SERVICE_SPEC_FIELDS).not.toContain(untouched);
      expect(set).not.toHaveProperty(untouched);
      expect(unset).not.toContain(untouched);
    }
  });
});
