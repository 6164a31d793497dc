import type { InstanceReport, Report, ResourceAggregate } from '@canopy/contracts/grpc';
import { Injectable } from '@nestjs/common';
import { ClusterConfig } from '../config/cluster-config';
import {
  type ClusterInstance,
  ClusterInstanceRepository,
} from '../instances/cluster-instance.repository';
import { type Aggregate, aggregateWorkers, type WorkerResources } from './resource-aggregation';
import { simulatedWorker, sumReservations } from './simulated-capacity';

/**
 * Builds the periodic report (reference §4.3): the aggregate over the cluster's active workers,
 * per architecture, and the status of every instance the cluster holds. A full snapshot every
 * time, so the root can reconcile from any single report.
 *
 * Workers join with the next issue; until then the only worker is the simulated one
 * (CLUSTER_SIMULATED_CAPACITY, dev/test) or none, and the aggregate is zero.
 */
@Injectable()
export class ReportBuilder {
  constructor(
    private readonly config: ClusterConfig,
    private readonly instances: ClusterInstanceRepository,
  ) {}

  async build(clusterId: string, seq: number): Promise<Report> {
    const held = await this.instances.list();
    const resources = aggregateWorkers(this.activeWorkers(held));
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
    };
  }

  private activeWorkers(held: readonly ClusterInstance[]): WorkerResources[] {
    const simulated = this.config.simulatedCapacity;
    if (simulated === undefined) return [];
    return [simulatedWorker(simulated, sumReservations(held.map((i) => i.job)))];
  }
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
    host_ip: '',
    cpu_percent: 0,
    memory_percent: 0,
    logs: '',
    generation: instance.generation,
  };
}
