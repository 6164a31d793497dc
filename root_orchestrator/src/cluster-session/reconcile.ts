import {
  instanceKey,
  InstanceStatus,
  isInstanceStatus,
  NegativeSchedulingStatus,
} from '@canopy/contracts';
import type { InstanceReport } from '@canopy/contracts/grpc';

/**
 * The root's reconcile of one cluster report (DESIGN.md "Reconcile, at every tier"), pure:
 * what the root's database says the cluster should hold vs. what the cluster says it holds.
 * - desired but not reported (or reported with an older generation) → DeployInstance again;
 * - reported but not desired → UndeployInstance (the whole service, -1, when the root wants
 *   none of that service on this cluster: Oakestra's `DELETE .../<job_id>/-1`);
 * - both, same generation, different status → the root records the cluster's status.
 * Level-triggered: running it on every report makes lost commands a delay, never a loss.
 */

/** An instance the root placed on the cluster. */
export interface DesiredInstance {
  service_id: string;
  instance_number: number;
  generation: number;
  status: string;
  status_detail: string;
  worker_id: string;
}

export interface StatusUpdate {
  service_id: string;
  instance_number: number;
  generation: number;
  status: string;
  status_detail: string;
  worker_id: string;
  host_ip: string;
  cpu_percent: number;
  memory_percent: number;
}

export interface ReconcilePlan {
  deploy: DesiredInstance[];
  undeploy: { service_id: string; instance_number: number; generation: number }[];
  /** Services none of whose instances belong on this cluster: undeploy all (-1). */
  undeployServices: string[];
  statusUpdates: StatusUpdate[];
}

/** Statuses only the root sets: a cluster reporting them is ignored (never regress an instance). */
const ROOT_ONLY_STATUSES: ReadonlySet<string> = new Set([
  InstanceStatus.REQUESTED,
  NegativeSchedulingStatus.TARGET_CLUSTER_NOT_FOUND,
  NegativeSchedulingStatus.TARGET_CLUSTER_NOT_ACTIVE,
  NegativeSchedulingStatus.TARGET_CLUSTER_NO_CAPACITY,
  NegativeSchedulingStatus.NO_ACTIVE_CLUSTER_WITH_CAPACITY,
]);

export function reconcileReport(
  desired: readonly DesiredInstance[],
  reported: readonly InstanceReport[],
): ReconcilePlan {
  const reportedByKey = new Map<string, InstanceReport>();
  for (const r of reported) {
    const key = instanceKey(r.service_id, r.instance_number);
    const seen = reportedByKey.get(key);
    if (!seen || seen.generation < r.generation) reportedByKey.set(key, r);
  }
  const desiredKeys = new Set(desired.map((d) => instanceKey(d.service_id, d.instance_number)));
  const desiredServices = new Set(desired.map((d) => d.service_id));

  const plan: ReconcilePlan = { deploy: [], undeploy: [], undeployServices: [], statusUpdates: [] };
  for (const d of desired) {
    const r = reportedByKey.get(instanceKey(d.service_id, d.instance_number));
    if (!r || r.generation < d.generation) {
      plan.deploy.push(d);
      continue;
    }
    if (r.generation === d.generation && statusChanged(d, r)) {
      plan.statusUpdates.push({
        service_id: d.service_id,
        instance_number: d.instance_number,
        generation: d.generation,
        status: r.status,
        status_detail: r.status_detail,
        worker_id: r.worker_id,
        host_ip: r.host_ip,
        cpu_percent: r.cpu_percent,
        memory_percent: r.memory_percent,
      });
    }
  }
  const wholeServices = new Set<string>();
  for (const [key, r] of reportedByKey) {
    if (desiredKeys.has(key)) continue;
    if (!desiredServices.has(r.service_id)) {
      wholeServices.add(r.service_id);
    } else {
      plan.undeploy.push({
        service_id: r.service_id,
        instance_number: r.instance_number,
        generation: r.generation,
      });
    }
  }
  plan.undeployServices = [...wholeServices].sort();
  plan.undeploy.sort((a, b) =>
    a.service_id === b.service_id
      ? a.instance_number - b.instance_number
      : a.service_id < b.service_id
        ? -1
        : 1,
  );
  return plan;
}

function statusChanged(d: DesiredInstance, r: InstanceReport): boolean {
  if (!isInstanceStatus(r.status) || ROOT_ONLY_STATUSES.has(r.status)) return false;
  return (
    r.status !== d.status || r.status_detail !== d.status_detail || r.worker_id !== d.worker_id
  );
}

export function isPlanEmpty(plan: ReconcilePlan): boolean {
  return (
    plan.deploy.length === 0 &&
    plan.undeploy.length === 0 &&
    plan.undeployServices.length === 0 &&
    plan.statusUpdates.length === 0
  );
}
