import type { ClusterInstance } from '../instances/cluster-instance.repository';
import { deployPayloadOf } from './worker-placement.rules';

function instance(job: Record<string, unknown>): ClusterInstance {
  return {
    service_id: '65a000000000000000000001',
    instance_number: 2,
    generation: 4,
    job_name: 'app.ns.svc.ns',
    job,
    status: 'CLUSTER_SCHEDULED',
    status_detail: '',
    worker_id: '',
    reservation: null,
    host_ip: '',
    namespace_ip: '',
    namespace_worker_id: '',
    cpu_percent: 0,
    memory_percent: 0,
    logs: '',
    restart_count: 0,
  };
}

describe(deployPayloadOf.name, () => {
  it('sends the fields a worker needs, with instance number and generation, and nothing else', () => {
    const result = deployPayloadOf(
      instance({
        job_name: 'app.ns.svc.ns',
        image: '127.0.0.1:5000/canopy/busybox:test',
        cmd: ['sh', '-c', 'sleep 1'],
        environment: ['A=1'],
        virtualization: 'docker',
        memory: 64,
        vcpus: 1,
        one_shot: true,
        instance_list: [{ huge: 'x'.repeat(1000) }],
        applicationID: 'abc',
      }),
    );
    expect(result).toEqual({
      ok: true,
      body: expect.objectContaining({
        _id: '65a000000000000000000001',
        job_name: 'app.ns.svc.ns',
        instance_number: 2,
        generation: 4,
        image: '127.0.0.1:5000/canopy/busybox:test',
        cmd: ['sh', '-c', 'sleep 1'],
        environment: ['A=1'],
        memory: 64,
        vcpus: 1,
        one_shot: true,
      }),
    });
    expect(JSON.stringify(result)).not.toContain('instance_list');
  });

  it("carries the instance's InstanceIP from the job document, and none when the job has none", () => {
    const job = { job_name: 'app.ns.svc.ns', image: 'busybox', virtualization: 'docker' };
    const withIp = deployPayloadOf(instance({ ...job, instance_ip: '10.30.0.7' }));
    expect(withIp).toEqual({
      ok: true,
      body: expect.objectContaining({ instance_number: 2, instance_ip: '10.30.0.7' }),
    });
    // No InstanceIP (an older root), or a blank or non-text value: the deploy goes out without.
    for (const ip of [undefined, '', 7, null]) {
      const result = deployPayloadOf(instance({ ...job, instance_ip: ip }));
      expect(result.ok).toBe(true);
      expect(result.ok ? result.body : {}).not.toHaveProperty('instance_ip');
    }
  });

  it("hands the root's sibling services on; a bad hint is trimmed, never a reason to refuse", () => {
    const job = { job_name: 'app.ns.svc.ns', image: 'busybox', virtualization: 'docker' };
    expect(
      deployPayloadOf(instance({ ...job, sibling_services: ['app.ns.db.ns', 'app.ns.web.ns'] })),
    ).toEqual({
      ok: true,
      body: expect.objectContaining({ sibling_services: ['app.ns.db.ns', 'app.ns.web.ns'] }),
    });
    const messy = deployPayloadOf(
      instance({
        ...job,
        sibling_services: ['app.ns.db.ns', 7, 'bad/topic', '#', ...Array(80).fill('app.ns.x.ns')],
      }),
    );
    expect(messy.ok).toBe(true);
    const siblings = (messy.ok ? messy.body.sibling_services : undefined) ?? [];
    expect(siblings[0]).toBe('app.ns.db.ns');
    expect(siblings).toHaveLength(50);
    expect(siblings).not.toContain('bad/topic');
    for (const bad of [undefined, 'app.ns.db.ns', { a: 1 }, []]) {
      const result = deployPayloadOf(instance({ ...job, sibling_services: bad }));
      expect(result.ok ? result.body : {}).not.toHaveProperty('sibling_services');
    }
  });

  it('refuses a job a worker could not run, with the reason', () => {
    const result = deployPayloadOf(instance({ virtualization: 'docker', memory: 64 }));
    expect(result).toMatchObject({ ok: false });
    expect(result.ok ? '' : result.error).toContain('image');
  });
});
