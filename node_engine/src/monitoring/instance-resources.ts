import type { InstanceKey } from '../desired/instance-spec';
import type {
  DesiredInstance,
  ObservedContainer,
  RestartRecord,
} from '../reconcile/reconcile.types';
import type { InstanceUsage } from '../runtime/runtime-driver';

/** One entry of `nodes/<id>/jobs/resources` (Oakestra's fields + Canopy's generation/restarts). */
export interface ServiceResources {
  job_name: string;
  instance: number;
  virtualization: string;
  cpu_percent: string;
  memory_percent: string;
  disk: string;
  logs: string;
  generation?: number;
  restart_count?: number;
}

/** Oakestra sends the last 1024 bytes of each instance's log. */
export const LOG_TAIL_BYTES = 1024;

/**
 * The running instances this worker reports. Only containers that are running and belong to a
 * desired instance are listed: an Oakestra cluster marks every listed instance RUNNING (and asks
 * to delete listed instances it does not know), so finished one-shots and containers on their
 * way out stay out of the list. Metrics are decimal strings, as Oakestra's node engine sends them.
 */
export function buildResourcesReport(
  observed: readonly ObservedContainer[],
  desired: ReadonlyMap<InstanceKey, DesiredInstance>,
  usage: ReadonlyMap<string, InstanceUsage>,
  logs: ReadonlyMap<string, string>,
  restarts: ReadonlyMap<InstanceKey, RestartRecord>,
): { services: ServiceResources[] } {
  const services: ServiceResources[] = [];
  for (const c of reportable(observed, desired)) {
    const d = desired.get(c.key as InstanceKey) as DesiredInstance;
    const u = usage.get(c.id);
    const entry: ServiceResources = {
      job_name: d.spec.job_name,
      instance: d.spec.instance_number,
      virtualization: c.virtualization,
      cpu_percent: String(u?.cpuPercent ?? 0),
      memory_percent: String(u?.memoryPercent ?? 0),
      disk: String(u?.diskMb ?? 0),
      logs: logs.get(c.id) ?? '',
      restart_count: restarts.get(d.key)?.count ?? 0,
    };
    if (d.spec.generation !== undefined) entry.generation = d.spec.generation;
    services.push(entry);
  }
  services.sort((a, b) =>
    a.job_name === b.job_name ? a.instance - b.instance : a.job_name < b.job_name ? -1 : 1,
  );
  return { services };
}

/** Running containers of desired instances whose spec they match. */
export function reportable(
  observed: readonly ObservedContainer[],
  desired: ReadonlyMap<InstanceKey, DesiredInstance>,
): ObservedContainer[] {
  return observed.filter((c) => {
    if (c.state !== 'running' || c.key === undefined) return false;
    const d = desired.get(c.key);
    return d !== undefined && d.specHash === c.specHash;
  });
}
