import type { ClusterView } from '@canopy/contracts';
import type { ResourceAggregate } from '@canopy/contracts/grpc';
import type { Cluster } from './cluster.model';
import { livenessOf } from './cluster-liveness';

/**
 * Oakestra's cluster fields (resource abstractor / system manager `GET /api/clusters/`):
 * `aggregated_cpu_percent` ← cpu_percent, `aggregated_memory_percent` ← memory_percent,
 * `memory_in_mb` ← memory, `total_cpu_cores` ← vcpus, `total_gpu_cores` ← vgpus,
 * `total_gpu_percent` ← gpu_percent, `active_nodes`, `virtualization`, and
 * `last_modified_timestamp` (seconds). Never the secret hash.
 */
export function toClusterView(cluster: Cluster, now: Date): ClusterView {
  const a = cluster.aggregate;
  const liveness = livenessOf(cluster, now);
  return {
    _id: cluster.id,
    cluster_name: cluster.cluster_name,
    cluster_location: cluster.cluster_location,
    ip: cluster.ip,
    port: cluster.port,
    active: liveness.active,
    active_nodes: a?.active_nodes ?? 0,
    aggregated_cpu_percent: a?.cpu_percent ?? 0,
    aggregated_memory_percent: a?.memory_percent ?? 0,
    memory_in_mb: a?.memory ?? 0,
    total_cpu_cores: a?.vcpus ?? 0,
    total_gpu_cores: a?.vgpus ?? 0,
    total_gpu_percent: a?.gpu_percent ?? 0,
    virtualization: a?.virtualization ?? [],
    supported_addons: a?.supported_addons ?? [],
    csi_drivers: a?.csi_drivers ?? [],
    aggregation_per_architecture: Object.fromEntries(
      Object.entries(cluster.aggregation_per_architecture).map(([arch, value]) => [
        arch,
        plain(value),
      ]),
    ),
    last_modified_timestamp: cluster.last_report_at ? cluster.last_report_at.getTime() / 1000 : 0,
    connected: cluster.connected,
    inactive_since: liveness.inactiveSince?.toISOString() ?? null,
    registered_at: cluster.registered_at.toISOString(),
    report_interval_ms: cluster.report_interval_ms,
    worker_subnet_pool: cluster.worker_subnet_pool,
    network_problem: cluster.network_problem,
  };
}

function plain(value: ResourceAggregate): Record<string, unknown> {
  return { ...value };
}
