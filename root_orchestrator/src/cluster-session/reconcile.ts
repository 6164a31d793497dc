import {
  instanceKey,
  InstanceStatus,
  isInstanceStatus,
  NegativeSchedulingStatus,
} from '@canopy/contracts';
import type { InstanceReport } from '@canopy/contracts/grpc';
import { canonicalIp } from '../network/ip-address';

/**
 * The root's reconcile of one cluster report (DESIGN.md "Reconcile, at every tier"), pure:
 * what the root's database says the cluster should hold vs. what the cluster says it holds.
 * - desired but not reported (or reported with an older generation) → DeployInstance again;
 * - reported but not desired → UndeployInstance (the whole service, -1, when the root wants
 *   none of that service on this cluster: Oakestra's `DELETE .../<job_id>/-1`);
 * - both, same generation, and what the cluster observes (status, status_detail, worker_id,
 *   host_ip, namespace_ip, cpu_percent, memory_percent, logs) differs from what the root stores → the root
 *   records it (a StatusUpdate); when nothing differs there is no update, hence no write.
 * Level-triggered: running it on every report makes lost commands a delay, never a loss.
 */

/**
 * An instance the root placed on the cluster, with what the root last recorded of the cluster's
 * observations (compared with each report so that an unchanged report writes nothing).
 */
export interface DesiredInstance {
  service_id: string;
  instance_number: number;
  generation: number;
  status: string;
  status_detail: string;
  /** '' when not known yet. */
  worker_id: string;
  /** '' when not known yet. */
  host_ip: string;
  /** '' when not attached (or never recorded). */
  namespace_ip: string;
  /**
   * null = never recorded: the first report of the generation then records its values even when
   * they are 0 / '', so GET /api/service/<id> shows usage and logs for every reported instance.
   */
  cpu_percent: number | null;
  memory_percent: number | null;
  logs: string | null;
}

/** What the root records of one reported instance (all of the report's observations). */
export interface StatusUpdate {
  service_id: string;
  instance_number: number;
  generation: number;
  status: string;
  status_detail: string;
  /** '' = the cluster does not know (yet): the stored value is kept, never erased. */
  worker_id: string;
  /** '' = the cluster does not know (yet): the stored value is kept, never erased. */
  host_ip: string;
  /**
   * Canonical text, or '' = not attached. Unlike host_ip, '' IS recorded: a stopped instance's
   * namespace is gone, and other clusters' tables must stop routing to it. A malformed address
   * counts as not attached.
   */
  namespace_ip: string;
  /** Finite (a non-finite report value is recorded as 0: JSON cannot carry NaN/Infinity). */
  cpu_percent: number;
  memory_percent: number;
  /** The worker's log tail, at most MAX_LOGS_CHARS (the most recent end is kept). */
  logs: string;
}

/**
 * Bound on the stored log tail per instance. Workers send about the last 1-4 KB (Oakestra: 1024
 * bytes); the root keeps twice the documented size so a legitimate tail is never cut, while a
 * runaway cluster cannot grow the service document (one document holds every instance, and a
 * MongoDB document is capped at 16 MB).
 */
export const MAX_LOGS_CHARS = 8192;

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
    if (r.generation !== d.generation || !isRecordable(r)) continue;
    const update = toStatusUpdate(d, r);
    if (differs(d, update)) plan.statusUpdates.push(update);
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

/**
 * Invariant: a report whose status is unknown or root-only is ignored WHOLE — its usage and logs
 * too, not only its status. Recording the numbers while refusing the status would pair them with
 * a state the root never accepted (a cluster reporting REQUESTED is re-placing the instance, so
 * its worker, address and usage are in flux). Nothing is lost: reports are full snapshots sent
 * every period, so the next report with a valid status records current usage and logs; an ignored
 * report holds nothing back for later ones.
 */
function isRecordable(r: InstanceReport): boolean {
  return isInstanceStatus(r.status) && !ROOT_ONLY_STATUSES.has(r.status);
}

function toStatusUpdate(d: DesiredInstance, r: InstanceReport): StatusUpdate {
  return {
    service_id: d.service_id,
    instance_number: d.instance_number,
    generation: d.generation,
    status: r.status,
    status_detail: r.status_detail,
    worker_id: r.worker_id,
    host_ip: r.host_ip,
    namespace_ip: namespaceIpOf(r.namespace_ip),
    cpu_percent: finiteOrZero(r.cpu_percent),
    memory_percent: finiteOrZero(r.memory_percent),
    logs: logTail(r.logs),
  };
}

/**
 * Whether recording `u` would change the stored instance. An empty worker_id/host_ip changes
 * nothing (it never erases a known value), so a cluster that omits them causes no write.
 */
function differs(d: DesiredInstance, u: StatusUpdate): boolean {
  return (
    u.status !== d.status ||
    u.status_detail !== d.status_detail ||
    (u.worker_id !== '' && u.worker_id !== d.worker_id) ||
    (u.host_ip !== '' && u.host_ip !== d.host_ip) ||
    u.namespace_ip !== d.namespace_ip ||
    u.cpu_percent !== d.cpu_percent ||
    u.memory_percent !== d.memory_percent ||
    u.logs !== d.logs
  );
}

/** Longest address text worth parsing (a full IPv6 with an embedded IPv4 tail is 45). */
const MAX_IP_TEXT = 45;

function namespaceIpOf(text: string): string {
  if (text === '' || text.length > MAX_IP_TEXT) return '';
  return canonicalIp(text) ?? '';
}

/** NaN would make every report "differ" (NaN !== NaN) and cannot be rendered in JSON. */
function finiteOrZero(value: number): number {
  return Number.isFinite(value) ? value : 0;
}

/** The most recent MAX_LOGS_CHARS characters, never starting with half a surrogate pair. */
export function logTail(logs: string): string {
  if (logs.length <= MAX_LOGS_CHARS) return logs;
  const tail = logs.slice(-MAX_LOGS_CHARS);
  const first = tail.charCodeAt(0);
  return first >= 0xdc00 && first <= 0xdfff ? tail.slice(1) : tail;
}

export function isPlanEmpty(plan: ReconcilePlan): boolean {
  return (
    plan.deploy.length === 0 &&
    plan.undeploy.length === 0 &&
    plan.undeployServices.length === 0 &&
    plan.statusUpdates.length === 0
  );
}
