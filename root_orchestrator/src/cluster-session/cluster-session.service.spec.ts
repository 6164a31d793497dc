import type { InstanceReport } from '@canopy/contracts/grpc';
import type { InstanceRecord, StoredService } from '../services/service.model';
import { applyStatusUpdates, desiredInstances, serviceStatusOf } from './cluster-session.service';
import { reconcileReport, type StatusUpdate } from './reconcile';

const SERVICE = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const CLUSTER = 'cluster-munich';
const OTHER = 'cluster-berlin';
const EARLIER = 1_700_000_000.5;

function service(instance_list: InstanceRecord[]): StoredService {
  return {
    id: SERVICE,
    applicationID: 'app',
    job_name: 'a.b.c.d',
    microservice_name: 'c',
    microservice_namespace: 'd',
    next_instance_progressive_number: instance_list.length,
    instance_list,
    revision: 3,
    document: { instance_list },
  };
}

function placed(instance_number: number, fields: Record<string, unknown> = {}): InstanceRecord {
  return {
    instance_number,
    status: 'CLUSTER_SCHEDULED',
    status_detail: '',
    cluster_id: CLUSTER,
    cluster_location: '48.1,11.5,50',
    generation: 0,
    last_modified_timestamp: EARLIER,
    ...fields,
  };
}

function update(instance_number: number, fields: Partial<StatusUpdate> = {}): StatusUpdate {
  return {
    service_id: SERVICE,
    instance_number,
    generation: 0,
    status: 'RUNNING',
    status_detail: '',
    worker_id: 'w1',
    host_ip: '10.0.0.2',
    namespace_ip: '',
    cpu_percent: 12.5,
    memory_percent: 40,
    logs: 'started\n',
    ...fields,
  };
}

function report(instance_number: number, fields: Partial<InstanceReport> = {}): InstanceReport {
  return {
    service_id: SERVICE,
    job_name: 'a.b.c.d',
    instance_number,
    status: 'RUNNING',
    status_detail: '',
    worker_id: 'w1',
    host_ip: '10.0.0.2',
    namespace_ip: '',
    cpu_percent: 12.5,
    memory_percent: 40,
    logs: 'started\n',
    generation: 0,
    ...fields,
  };
}

describe('desiredInstances', () => {
  it('carries what the root recorded of each instance placed on the cluster', () => {
    const svc = service([
      placed(0, {
        status: 'RUNNING',
        status_detail: 'up',
        generation: 2,
        worker_id: 'w1',
        host_ip: '10.0.0.2',
        cpu_percent: 12.5,
        memory_percent: 40,
        logs: 'started\n',
      }),
    ]);
    expect(desiredInstances(CLUSTER, [svc])).toEqual([
      {
        service_id: SERVICE,
        instance_number: 0,
        generation: 2,
        status: 'RUNNING',
        status_detail: 'up',
        worker_id: 'w1',
        host_ip: '10.0.0.2',
        namespace_ip: '',
        cpu_percent: 12.5,
        memory_percent: 40,
        logs: 'started\n',
      },
    ]);
  });

  it('reads absent or malformed observations as unknown ("" / null)', () => {
    const svc = service([placed(0, { worker_id: 7, cpu_percent: 'high', logs: { a: 1 } })]);
    expect(desiredInstances(CLUSTER, [svc])).toEqual([
      expect.objectContaining({
        worker_id: '',
        host_ip: '',
        cpu_percent: null,
        memory_percent: null,
        logs: null,
      }),
    ]);
  });

  it('leaves out instances on other clusters or waiting for placement', () => {
    const svc = service([
      placed(0),
      placed(1, { cluster_id: OTHER }),
      placed(2, { status: 'REQUESTED' }),
      { instance_number: 3, status: 'REQUESTED' },
    ]);
    expect(desiredInstances(CLUSTER, [svc]).map((d) => d.instance_number)).toEqual([0]);
  });
});

describe('applyStatusUpdates', () => {
  it('records status, ids, usage and log tail, and stamps the change', () => {
    const before = Date.now() / 1000;
    const change = applyStatusUpdates(service([placed(0), placed(1)]), CLUSTER, [update(1)]);
    expect(change?.instance_list[0]).toEqual(placed(0)); // not reported: untouched
    expect(change?.instance_list[1]).toEqual({
      ...placed(1),
      status: 'RUNNING',
      status_detail: '',
      worker_id: 'w1',
      host_ip: '10.0.0.2',
      cpu_percent: 12.5,
      memory_percent: 40,
      logs: 'started\n',
      last_modified_timestamp: expect.any(Number) as number,
    });
    expect(change?.instance_list[1]?.last_modified_timestamp).toBeGreaterThanOrEqual(before);
  });

  it('a usage-only or log-only change is written', () => {
    const stored = placed(0, {
      status: 'RUNNING',
      worker_id: 'w1',
      host_ip: '10.0.0.2',
      cpu_percent: 12.5,
      memory_percent: 40,
      logs: 'started\n',
    });
    const cpu = applyStatusUpdates(service([stored]), CLUSTER, [update(0, { cpu_percent: 70 })]);
    expect(cpu?.instance_list[0]).toMatchObject({ cpu_percent: 70, memory_percent: 40 });
    const logs = applyStatusUpdates(service([stored]), CLUSTER, [
      update(0, { logs: 'started\nGET /\n' }),
    ]);
    expect(logs?.instance_list[0]).toMatchObject({ logs: 'started\nGET /\n', cpu_percent: 12.5 });
  });

  it('an empty worker_id or host_ip keeps the stored value', () => {
    const stored = placed(0, { worker_id: 'w1', host_ip: '10.0.0.2' });
    const change = applyStatusUpdates(service([stored]), CLUSTER, [
      update(0, { worker_id: '', host_ip: '', cpu_percent: 3 }),
    ]);
    expect(change?.instance_list[0]).toMatchObject({
      worker_id: 'w1',
      host_ip: '10.0.0.2',
      cpu_percent: 3,
    });
  });

  it('records a namespace address, and its removal as "" (not "keep")', () => {
    const attached = applyStatusUpdates(service([placed(0)]), CLUSTER, [
      update(0, { namespace_ip: '10.18.0.5' }),
    ]);
    expect(attached?.instance_list[0]).toMatchObject({ namespace_ip: '10.18.0.5' });
    const stored = attached?.instance_list[0] ?? placed(0);
    const detached = applyStatusUpdates(service([stored]), CLUSTER, [
      update(0, { status: 'DEAD', namespace_ip: '' }),
    ]);
    expect(detached?.instance_list[0]).toMatchObject({ status: 'DEAD', namespace_ip: '' });
  });

  it('writes nothing (null) when the stored instance already shows the update', () => {
    const stored = placed(0, {
      status: 'RUNNING',
      worker_id: 'w1',
      host_ip: '10.0.0.2',
      cpu_percent: 12.5,
      memory_percent: 40,
      logs: 'started\n',
    });
    expect(applyStatusUpdates(service([stored]), CLUSTER, [update(0)])).toBeNull();
    // Nor when the only differences are an empty id/address.
    expect(
      applyStatusUpdates(service([stored]), CLUSTER, [update(0, { worker_id: '', host_ip: '' })]),
    ).toBeNull();
  });

  it.each<[string, InstanceRecord]>([
    ['placed on another cluster', placed(0, { cluster_id: OTHER })],
    ['of another generation', placed(0, { generation: 1 })],
    ['back to REQUESTED (failover)', placed(0, { status: 'REQUESTED' })],
  ])('ignores an instance meanwhile %s', (_why, stored) => {
    expect(applyStatusUpdates(service([stored]), CLUSTER, [update(0)])).toBeNull();
  });
});

describe('report → stored → next report', () => {
  it('an unchanged report after the first is recorded produces no update at all', () => {
    let svc = service([placed(0), placed(1, { worker_id: 'w0', host_ip: '10.0.0.1' })]);
    const reports = [report(0), report(1, { worker_id: '', host_ip: '', logs: '' })];
    const first = reconcileReport(desiredInstances(CLUSTER, [svc]), reports);
    expect(first.statusUpdates).toHaveLength(2);
    const change = applyStatusUpdates(svc, CLUSTER, first.statusUpdates);
    expect(change).not.toBeNull();
    svc = service(change?.instance_list ?? []);
    expect(svc.instance_list[1]).toMatchObject({ worker_id: 'w0', host_ip: '10.0.0.1' });
    expect(reconcileReport(desiredInstances(CLUSTER, [svc]), reports).statusUpdates).toEqual([]);
  });
});

describe('serviceStatusOf', () => {
  it('is the status of the instance that needs the most attention, whatever the order', () => {
    const running = placed(0, { status: 'RUNNING' });
    const failed = placed(1, { status: 'FAILED', status_detail: 'image not found' });
    const creating = placed(2, { status: 'CREATING' });
    expect(serviceStatusOf([running, failed, creating])).toEqual({
      status: 'FAILED',
      status_detail: 'image not found',
    });
    expect(serviceStatusOf([creating, running])).toEqual({ status: 'CREATING', status_detail: '' });
    expect(serviceStatusOf([running, placed(1, { status: 'RUNNING' })])).toMatchObject({
      status: 'RUNNING',
    });
    expect(serviceStatusOf([])).toBeUndefined();
  });

  it('moves the service status with its instances when a report changes them', () => {
    const change = applyStatusUpdates(service([placed(0)]), CLUSTER, [update(0)]);
    expect(change).toMatchObject({ status: 'RUNNING', status_detail: '' });
  });
});
