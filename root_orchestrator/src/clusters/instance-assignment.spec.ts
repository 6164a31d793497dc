import type { InstanceRecord, StoredService } from '../services/service.model';
import { jobDocumentOf } from './instance-assignment';

function service(instances: InstanceRecord[]): StoredService {
  return {
    id: '65a000000000000000000001',
    applicationID: '65a0000000000000000000aa',
    job_name: 'app.ns.web.ns',
    microservice_name: 'web',
    microservice_namespace: 'ns',
    next_instance_progressive_number: instances.length,
    instance_list: instances,
    revision: 3,
    document: {
      job_name: 'app.ns.web.ns',
      image: 'docker.io/library/nginx:latest',
      RR_ip: '10.30.0.2',
      instance_list: instances,
    },
  };
}

describe(jobDocumentOf.name, () => {
  const instances: InstanceRecord[] = [
    { instance_number: 0, status: 'RUNNING', instance_ip: '10.30.0.3' },
    { instance_number: 1, status: 'REQUESTED', instance_ip: '10.30.0.4' },
    { instance_number: 2, status: 'REQUESTED' },
  ];

  it("carries the deployed instance's InstanceIP, not another instance's, and no instance list", () => {
    const job = jobDocumentOf(service(instances), 1);
    expect(job).toEqual({
      _id: '65a000000000000000000001',
      job_name: 'app.ns.web.ns',
      image: 'docker.io/library/nginx:latest',
      RR_ip: '10.30.0.2',
      instance_ip: '10.30.0.4',
    });
    expect(jobDocumentOf(service(instances), 0)['instance_ip']).toBe('10.30.0.3');
  });

  it('has no instance_ip when the instance has none (or is unknown)', () => {
    expect(jobDocumentOf(service(instances), 2)).not.toHaveProperty('instance_ip');
    expect(jobDocumentOf(service(instances), 9)).not.toHaveProperty('instance_ip');
  });
});
