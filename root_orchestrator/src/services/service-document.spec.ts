import { slaExample, validateSla } from '@canopy/contracts';
import {
  buildServiceDocument,
  SERVICE_SPEC_FIELDS,
  specChanges,
  specDocument,
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
      RR_ip: '10.30.30.30',
      RR_ip_v6: 'fdff:2000::30',
      next_instance_progressive_number: 0,
      instance_list: [],
      memory: 100,
      vgpus: 0,
      cmd: [],
    });
    expect(doc).not.toHaveProperty('vcpu');
  });

  it('leaves RR_ip out when the SLA has no addresses, and keeps other runtimes as named', () => {
    const [curl] = microservices();
    if (!curl) throw new Error('curl');
    const doc = buildServiceDocument(
      parent,
      Object.assign(Object.create(Object.getPrototypeOf(curl)), curl, {
        virtualization: 'unikernel',
      }),
      'c'.repeat(24),
    );
    expect(doc).not.toHaveProperty('RR_ip');
    expect(doc['virtualization']).toBe('unikernel');
  });
});

describe(specChanges.name, () => {
  it('sets what the new spec has and unsets what it dropped, never instances or ids', () => {
    const [, nginx] = microservices();
    if (!nginx) throw new Error('nginx');
    const current = buildServiceDocument(parent, nginx, 'b'.repeat(24));
    const next = specDocument(
      Object.assign(Object.create(Object.getPrototypeOf(nginx)), nginx, {
        addresses: undefined,
        memory: 5,
      }),
    );
    const { set, unset } = specChanges(current, next);
    expect(set['memory']).toBe(5);
    expect(unset).toEqual(expect.arrayContaining(['addresses', 'RR_ip', 'RR_ip_v6']));
    for (const untouched of [
      'instance_list',
      'next_instance_progressive_number',
      'job_name',
      'applicationID',
    ]) {
      expect(SERVICE_SPEC_FIELDS).not.toContain(untouched);
      expect(set).not.toHaveProperty(untouched);
    }
  });
});
