import type { InstanceRecord, StoredService } from './service.model';
import { toServiceDto } from './service.presenter';

const ID = 'aaaaaaaaaaaaaaaaaaaaaaaa';

function stored(instance_list: InstanceRecord[]): StoredService {
  return {
    id: ID,
    applicationID: 'app',
    job_name: 'a.b.c.d',
    microservice_name: 'c',
    microservice_namespace: 'd',
    next_instance_progressive_number: instance_list.length,
    instance_list,
    revision: 4,
    document: {
      applicationID: 'app',
      job_name: 'a.b.c.d',
      next_instance_progressive_number: instance_list.length,
      instance_list,
    },
  };
}

describe(toServiceDto.name, () => {
  it('renders the id as plain hex, twice, and no storage detail', () => {
    const dto = toServiceDto(stored([]));
    expect(dto).toMatchObject({ _id: ID, microserviceID: ID, job_name: 'a.b.c.d' });
    expect(dto).not.toHaveProperty('revision');
  });

  it("shows each instance's recorded usage, log tail, worker and address (reference §1.6)", () => {
    const running: InstanceRecord = {
      instance_number: 0,
      status: 'RUNNING',
      status_detail: '',
      cluster_id: 'c1',
      cluster_location: '48.1,11.5,50',
      worker_id: 'w1',
      host_ip: '10.0.0.2',
      cpu_percent: 12.5,
      memory_percent: 40,
      logs: 'started\n',
      last_modified_timestamp: 1_700_000_000.5,
    };
    const dto = toServiceDto(stored([running, { instance_number: 1, status: 'REQUESTED' }]));
    expect(dto['instance_list']).toEqual([running, { instance_number: 1, status: 'REQUESTED' }]);
  });
});
