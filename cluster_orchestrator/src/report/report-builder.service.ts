import { peerSnapshotOf } from '../network/net-peers.rules';
import { WorkerSubnetService } from '../network/worker-subnet.service';
import type { InstanceReport, Report, ResourceAggregate } from '@canopy/contracts/grpc';
import { Injectable } from '@nestjs/common';
import { ClusterConfig } from '../config/cluster-config';
import {
  type ClusterInstance,
  ClusterInstanceRepository,
} from '../instances/cluster-instance.repository';
import { WorkerRepository, type Worker } from '../workers/worker.repository';
import { isWorkerActive } from '../workers/worker.rules';
import { type Aggregate, aggregateWorkers, type WorkerResources } from './resource-aggregation';
import { simulatedWorker, sumReservations } from './simulated-capacity';

/**
 * Builds the periodic report (reference §4.3): the aggregate over the cluster's active workers,
 * per architecture, and the status of every instance the cluster holds. A full snapshot every
 * time, so the root can reconcile from any single report.
 *
 * Capacities are the workers' FREE amounts (capacity minus the reservations of the instances
 * placed on them), so the root never counts the same memory twice. CLUSTER_SIMULATED_CAPACITY
 * (dev/test only) adds one virtual worker that holds the instances no real worker took.
 */
@Injectable()
export class ReportBuilder {
  constructor(
    private readonly config: ClusterConfig,
    private readonly instances: ClusterInstanceRepository,
    private readonly workers: WorkerRepository,
    private readonly subnets: WorkerSubnetService,
  ) {}

  async build(clusterId: string, seq: number): Promise<Report> {
    const [held, workers, subnets] = await Promise.all([
      this.instances.list(),
      this.workers.list(),
      this.subnets.assignments(),
    ]);
    const resources = aggregateWorkers(this.activeWorkers(held, workers));
    const perArchitecture: Record<string, ResourceAggregate> = {};
    for (const [arch, value] of Object.entries(resources.aggregation_per_architecture)) {
      perArchitecture[arch] = toWire(value);
    }
    return {
      cluster_id: clusterId,
      seq,
      aggregate: toWire(resources.aggregate),
      aggregation_per_architecture: perArchitecture,
      instances: held.map(toInstanceReport),
      tunnel_peers: peerSnapshotOf(
        workers,
        subnets,
        new Date(),
        this.config.workerTimeoutMs,
      ).peers.map((p) => ({
        worker_id: p.id,
        subnet: p.subnet,
        endpoint: p.endpoint,
        port: p.port,
        public_key: p.public_key ?? '',
        cluster_id: '',
      })),
    };
  }

  private activeWorkers(
    held: readonly ClusterInstance[],
    workers: readonly Worker[],
  ): WorkerResources[] {
    const now = new Date();
    const real = workers
      .filter((w) => isWorkerActive(w, now, this.config.workerTimeoutMs))
      .map(workerResources);
    const simulated = this.config.simulatedCapacity;
    if (simulated === undefined) return real;
    const unplaced = held.filter((i) => i.worker_id === '').map((i) => i.job);
    return [...real, simulatedWorker(simulated, sumReservations(unplaced))];
  }
}

export function workerResources(w: Worker): WorkerResources {
  const num = (key: string): number => {
    const v = w.facts[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  };
  const strings = (key: string): string[] => {
    const v = w.facts[key];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  };
  return {
    architecture: w.architecture,
    cpu_percent: num('cpu_percent'),
    memory_percent: num('memory_percent'),
    vcpus: Math.max(0, w.free.vcpus),
    memory: Math.max(0, w.free.memory),
    vgpus: Math.max(0, w.free.vgpus),
    vram: num('vram'),
    vram_percent: num('vram_percent'),
    gpu_temp: num('gpu_temp'),
    gpu_percent: num('gpu_usage'),
    virtualization: w.virtualization,
    supported_addons: strings('supported_addons'),
    csi_drivers: strings('csi_drivers'),
    gpu_drivers:
      typeof w.facts['gpu_driver'] === 'string' && w.facts['gpu_driver'] !== '-'
        ? [w.facts['gpu_driver']]
        : [],
  };
}

/** uint32/uint64 fields are whole numbers on the wire: round capacities down (conservative). */
export function toWire(a: Aggregate): ResourceAggregate {
  return {
    ...a,
    vcpus: Math.floor(a.vcpus),
    memory: Math.floor(a.memory),
    vgpus: Math.floor(a.vgpus),
    active_nodes: Math.floor(a.active_nodes),
  };
}

export function toInstanceReport(instance: ClusterInstance): InstanceReport {
  return {
    service_id: instance.service_id,
    job_name: instance.job_name,
    instance_number: instance.instance_number,
    status: instance.status,
    status_detail: instance.status_detail,
    worker_id: instance.worker_id,
    host_ip: instance.host_ip,
    cpu_percent: instance.cpu_percent,
    memory_percent: instance.memory_percent,
    logs: instance.logs,
    generation: instance.generation,
    // A namespace reported by an earlier placement's worker is not reachable any more.
    namespace_ip: instance.namespace_worker_id === instance.worker_id ? instance.namespace_ip : '',
  };
}
