import { InstanceStatus, NegativeSchedulingStatus } from '@canopy/contracts';
import type { InstanceRecord, StoredService } from '../services/service.model';

/**
 * How an instance record (in a service's `instance_list`) says where it runs. Oakestra's fields
 * `cluster_id` and `cluster_location`, plus Canopy's `generation`: bumped whenever the instance
 * is placed anew (rescheduled), so commands and reports of an older placement are told apart.
 */

/** Instance statuses that mean "not placed on any cluster (yet)". */
const UNPLACED: ReadonlySet<string> = new Set([
  InstanceStatus.REQUESTED,
  NegativeSchedulingStatus.TARGET_CLUSTER_NOT_FOUND,
  NegativeSchedulingStatus.TARGET_CLUSTER_NOT_ACTIVE,
  NegativeSchedulingStatus.TARGET_CLUSTER_NO_CAPACITY,
  NegativeSchedulingStatus.NO_ACTIVE_CLUSTER_WITH_CAPACITY,
]);

/** REQUESTED, or a root-tier "could not place" status: the root scheduler owns it. */
export function isAwaitingClusterPlacement(instance: Pick<InstanceRecord, 'status'>): boolean {
  return UNPLACED.has(instance.status);
}

export function generationOf(instance: InstanceRecord): number {
  const g = instance['generation'];
  return typeof g === 'number' && Number.isSafeInteger(g) && g >= 0 ? g : 0;
}

export function clusterIdOf(instance: InstanceRecord): string | undefined {
  const id = instance['cluster_id'];
  return typeof id === 'string' && id !== '' ? id : undefined;
}

/** Placed on `clusterId`: the cluster should hold it. */
export function isPlacedOn(instance: InstanceRecord, clusterId: string): boolean {
  return clusterIdOf(instance) === clusterId && !isAwaitingClusterPlacement(instance);
}

export function findInstance(
  service: Pick<StoredService, 'instance_list'>,
  instanceNumber: number,
): InstanceRecord | undefined {
  return service.instance_list.find((i) => i.instance_number === instanceNumber);
}

/**
 * The job document sent down with DeployInstance for instance `instanceNumber` (Oakestra sends
 * the whole job to the cluster): the service's document without the instance list (other
 * instances, other clusters), plus that instance's `instance_ip` when it has one. Each
 * DeployInstance names one instance, so the document is per instance; the cluster hands the
 * address to the worker in `control/deploy`.
 */
export function jobDocumentOf(
  service: StoredService,
  instanceNumber: number,
): Record<string, unknown> {
  const { instance_list: _instances, instance_ip: _stray, ...rest } = service.document;
  const ip = findInstance(service, instanceNumber)?.['instance_ip'];
  return {
    _id: service.id,
    ...rest,
    ...(typeof ip === 'string' && ip !== '' ? { instance_ip: ip } : {}),
  };
}
