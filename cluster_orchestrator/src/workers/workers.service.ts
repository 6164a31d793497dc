import { Injectable } from '@nestjs/common';
import { ClusterConfig } from '../config/cluster-config';
import { ClusterInstanceRepository } from '../instances/cluster-instance.repository';
import { WorkerRepository, type Worker } from './worker.repository';
import { isWorkerActive } from './worker.rules';
import type { ResourceTriple } from './worker.schema';

export interface WorkerView {
  id: string;
  host: string;
  ip: string;
  architecture: string;
  active: boolean;
  link_status: string;
  last_seen: string;
  registered_at: string;
  virtualization: string[];
  labels: Record<string, string>;
  capacity: ResourceTriple;
  free: ResourceTriple;
  cpu_percent: number;
  memory_percent: number;
  instances: number;
}

/** Operators' read view of the workers (`GET /api/workers`). */
@Injectable()
export class WorkersService {
  constructor(
    private readonly config: ClusterConfig,
    private readonly workers: WorkerRepository,
    private readonly instances: ClusterInstanceRepository,
  ) {}

  async list(): Promise<WorkerView[]> {
    const [workers, instances] = await Promise.all([this.workers.list(), this.instances.list()]);
    const now = new Date();
    return workers.map((w) =>
      view(
        w,
        isWorkerActive(w, now, this.config.workerTimeoutMs),
        instances.filter((i) => i.worker_id === w.id).length,
      ),
    );
  }
}

function view(w: Worker, active: boolean, instances: number): WorkerView {
  const num = (key: string): number => {
    const v = w.facts[key];
    return typeof v === 'number' ? v : 0;
  };
  return {
    id: w.id,
    host: w.host,
    ip: w.ip,
    architecture: w.architecture,
    active,
    link_status: w.link_status,
    last_seen: w.last_seen.toISOString(),
    registered_at: w.registered_at.toISOString(),
    virtualization: w.virtualization,
    labels: w.labels,
    capacity: w.capacity,
    free: w.free,
    cpu_percent: num('cpu_percent'),
    memory_percent: num('memory_percent'),
    instances,
  };
}
