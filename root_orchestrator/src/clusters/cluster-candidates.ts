import { instanceKey } from '@canopy/contracts';
import { parseLocation } from '@canopy/common';
import type { ResourceAggregate } from '@canopy/contracts/grpc';
import {
  type CandidateView,
  type CapacityView,
  reservationFor,
  type ResourceAmounts,
  workloadSpecOfJob,
} from '@canopy/placement';
import type { StoredService } from '../services/service.model';
import type { Cluster } from './cluster.model';
import { livenessOf } from './cluster-liveness';
import { generationOf, isPlacedOn } from './instance-assignment';

/**
 * The root scheduler's view of the clusters (pure): one CandidateView per registered cluster,
 * ACTIVE OR NOT (placement tells "not found" from "not active" only if inactive ones are there),
 * with the capacity of its last report minus what the root placed on it since that report.
 *
 * Why subtract: a cluster reports every few seconds; several placements in between would each
 * see the same free capacity and over-commit it. Instances placed on a cluster that its last
 * report does not list yet are "pending" and their reservations are taken off the reported
 * free amounts (the whole cluster and, conservatively, each architecture). Once the cluster
 * reports them, its own numbers account for them.
 */

const ZERO: ResourceAmounts = { vcpus: 0, memory: 0, vgpus: 0 };

/** Reservations of instances placed on each cluster but absent from its last report. */
export function pendingReservations(
  clusters: readonly Cluster[],
  services: readonly StoredService[],
): Map<string, ResourceAmounts> {
  const pending = new Map<string, ResourceAmounts>();
  for (const cluster of clusters) {
    const reported = new Set(cluster.reported_instances);
    let sum = ZERO;
    for (const service of services) {
      for (const instance of service.instance_list) {
        if (!isPlacedOn(instance, cluster.id)) continue;
        if (reported.has(instanceKey(service.id, instance.instance_number))) continue;
        const r = reservationFor(workloadSpecOfJob(service.document));
        sum = {
          vcpus: sum.vcpus + r.vcpus,
          memory: sum.memory + r.memory,
          vgpus: sum.vgpus + r.vgpus,
        };
      }
    }
    pending.set(cluster.id, sum);
  }
  return pending;
}

export function toCandidate(
  cluster: Cluster,
  now: Date,
  pending: ResourceAmounts = ZERO,
): CandidateView {
  const aggregate = cluster.aggregate;
  const perArch = Object.entries(cluster.aggregation_per_architecture);
  const location =
    cluster.cluster_location !== '' ? parseLocation(cluster.cluster_location) : undefined;
  return {
    id: cluster.id,
    name: cluster.cluster_name,
    kind: 'cluster',
    active: livenessOf(cluster, now).active,
    ...(location !== undefined && !('error' in location)
      ? { location: { lat: location.latitude, long: location.longitude } }
      : {}),
    capacity: capacityOf(aggregate, pending),
    virtualization: aggregate?.virtualization ?? [],
    ...(perArch.length === 1 && perArch[0] ? { architecture: perArch[0][0] } : {}),
    ...(perArch.length > 0
      ? {
          aggregation_per_architecture: Object.fromEntries(
            perArch.map(([arch, a]) => [arch, capacityOf(a, pending)]),
          ),
        }
      : {}),
    supported_addons: aggregate?.supported_addons ?? [],
    csi_drivers: aggregate?.csi_drivers ?? [],
    labels: {},
  };
}

function capacityOf(a: ResourceAggregate | null, pending: ResourceAmounts): CapacityView {
  return {
    vcpus: Math.max(0, (a?.vcpus ?? 0) - pending.vcpus),
    memory: Math.max(0, (a?.memory ?? 0) - pending.memory),
    vgpus: Math.max(0, (a?.vgpus ?? 0) - pending.vgpus),
    cpu_percent: a?.cpu_percent ?? 0,
    memory_percent: a?.memory_percent ?? 0,
  };
}

/** Generation of the next placement of an instance. */
export function nextGeneration(instance: Parameters<typeof generationOf>[0]): number {
  return generationOf(instance) + 1;
}
