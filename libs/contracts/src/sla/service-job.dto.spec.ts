import { validateDto } from '../validation/validate-dto';
import { buildJobName, ServiceJobDto } from './service-job.dto';

const job = {
  _id: '665f1c2e9b1e8a0012345678',
  microserviceID: '665f1c2e9b1e8a0012345678',
  job_name: 'clientsrvr.test.nginx.test',
  applicationID: '665f1c2e9b1e8a0012345600',
  app_name: 'clientsrvr',
  app_ns: 'test',
  service_name: 'nginx',
  service_ns: 'test',
  microservice_name: 'nginx',
  microservice_namespace: 'test',
  virtualization: 'docker',
  code: 'docker.io/library/nginx:latest',
  image: 'docker.io/library/nginx:latest',
  memory: 100,
  vcpus: 1,
  port: '6080:80/tcp',
  RR_ip: '10.30.30.30',
  addresses: { rr_ip: '10.30.30.30' },
  // Root-side state that travels with Oakestra's job document; stripped, not rejected.
  instance_list: [],
  next_instance_progressive_number: 1,
};

describe('ServiceJobDto', () => {
  it('accepts a stored job document and strips root-only state', () => {
    const result = validateDto(ServiceJobDto, job);
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.image).toBe(job.image);
      expect(result.value).not.toHaveProperty('instance_list');
    }
  });

  it.each([
    ['_id', undefined],
    ['job_name', ''],
    ['image', undefined],
    ['RR_ip', 'fdff::1'],
  ])('rejects a bad %s', (field, value) => {
    const plain: Record<string, unknown> = { ...job, [field]: value };
    if (value === undefined) delete plain[field];
    const result = validateDto(ServiceJobDto, plain);
    expect(result.ok ? [] : result.errors.map((e) => e.path)).toContain(field);
  });

  it('builds Oakestra job names', () => {
    expect(
      buildJobName({
        application_name: 'clientsrvr',
        application_namespace: 'test',
        microservice_name: 'nginx',
        microservice_namespace: 'prod',
      }),
    ).toBe('clientsrvr.test.nginx.prod');
  });
});
