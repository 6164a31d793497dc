import { Injectable } from '@nestjs/common';
import { ClusterConfig } from '../config/cluster-config';
import { ClusterInstanceRepository } from '../instances/cluster-instance.repository';
import { WorkerSubnetPool } from '../network/worker-subnet-pool.service';
import { type RootLinkStatus, RootLinkState } from './root-link.state';

export interface ClusterStatusView extends RootLinkStatus {
  cluster_name: string;
  cluster_location: string;
  report_interval_ms: number;
  /** Instances this cluster holds (all states). */
  instances: number;
  /** True when CLUSTER_SIMULATED_CAPACITY is set (dev/test capacity, not real workers). */
  simulated_capacity: boolean;
  /** Where worker subnets come from (WORKER_SUBNET_POOL or assigned by the root); '' = none yet. */
  worker_subnet_pool: string;
}

@Injectable()
export class ClusterStatusService {
  constructor(
    private readonly config: ClusterConfig,
    private readonly state: RootLinkState,
    private readonly instances: ClusterInstanceRepository,
    private readonly subnetPool: WorkerSubnetPool,
  ) {}

  async get(): Promise<ClusterStatusView> {
    return {
      cluster_name: this.config.CLUSTER_NAME,
      cluster_location: this.config.CLUSTER_LOCATION ?? '',
      report_interval_ms: this.config.reportIntervalMs,
      simulated_capacity: this.config.simulatedCapacity !== undefined,
      instances: await this.instances.count(),
      worker_subnet_pool: this.subnetPool.cidr(),
      ...this.state.snapshot(),
    };
  }
}
