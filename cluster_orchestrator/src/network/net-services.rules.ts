import {
  ipv4ToNumber,
  isIpv4InCidr,
  NetServiceIpType,
  type NetServiceDeployedDto,
  type NetServiceEntryDto,
  type NetServiceInstanceDto,
  type NetServiceIpDto,
} from '@canopy/contracts';
import type { ClusterInstance } from '../instances/cluster-instance.repository';

/**
 * Service tables (issue 6, control plane within a cluster): what `nodes/<id>/net/services` says
 * to each worker. Pure; the ServicesPublisher reads instances and workers and publishes what
 * these rules build.
 */

/**
 * Everything the tables depend on, in canonical order (recipients sorted, services by job name,
 * instances by number) so that two snapshots of the same state compare equal. Every recipient
 * gets the same table: a worker tells its own instances apart by `worker_id`.
 */
export interface ServicesSnapshot {
  recipients: string[];
  services: NetServiceEntryDto[];
}

const byString = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * The ServiceIPs in a root job document: Oakestra's `service_ip_list` (RR and closest entries),
 * falling back to `RR_ip` for documents without a list. Anything that is not an IPv4 address is
 * skipped (the worker's DNAT only knows IPv4 so far); one entry per type.
 */
export function serviceIpsOf(job: Record<string, unknown>): NetServiceIpDto[] {
  const found = new Map<NetServiceIpType, string>();
  const list = Array.isArray(job['service_ip_list']) ? (job['service_ip_list'] as unknown[]) : [];
  for (const entry of list) {
    if (typeof entry !== 'object' || entry === null) continue;
    const { IpType: type, Address: address } = entry as Record<string, unknown>;
    if (type !== NetServiceIpType.RR && type !== NetServiceIpType.CLOSEST) continue;
    if (typeof address !== 'string' || ipv4ToNumber(address) === null) continue;
    if (!found.has(type)) found.set(type, address);
  }
  const rr = job['RR_ip'];
  if (!found.has(NetServiceIpType.RR) && typeof rr === 'string' && ipv4ToNumber(rr) !== null)
    found.set(NetServiceIpType.RR, rr);
  return [NetServiceIpType.RR, NetServiceIpType.CLOSEST].flatMap((type) => {
    const address = found.get(type);
    return address === undefined ? [] : [{ IpType: type, Address: address }];
  });
}

/** The InstanceIP the root sent with the instance's job document, if it is IPv4. */
function instanceIpOf(job: Record<string, unknown>): string | undefined {
  const ip = job['instance_ip'];
  return typeof ip === 'string' && ipv4ToNumber(ip) !== null ? ip : undefined;
}

/**
 * An instance counts when its namespace IP was reported by the worker it is placed on (a stale
 * report of an earlier placement does not) and that worker is active (an inactive worker is not
 * a tunnel peer either, so its namespaces are unreachable).
 */
function attachedInstance(
  instance: ClusterInstance,
  active: ReadonlySet<string>,
): NetServiceInstanceDto | undefined {
  if (instance.namespace_ip === '' || instance.worker_id === '') return undefined;
  if (instance.namespace_worker_id !== instance.worker_id) return undefined;
  if (!active.has(instance.worker_id)) return undefined;
  const instanceIp = instanceIpOf(instance.job);
  return {
    instance_number: instance.instance_number,
    ...(instanceIp !== undefined ? { instance_ip: instanceIp } : {}),
    namespace_ip: instance.namespace_ip,
    worker_id: instance.worker_id,
  };
}

/**
 * The table every active worker gets: each service (by job name) with at least one attached
 * instance, its ServiceIPs (from the job document of its newest-generation instance: all carry
 * the same service document) and its attached instances.
 */
export function servicesSnapshotOf(
  instances: readonly ClusterInstance[],
  activeWorkers: readonly string[],
): ServicesSnapshot {
  const active = new Set(activeWorkers);
  const groups = new Map<string, ClusterInstance[]>();
  for (const instance of instances) {
    const group = groups.get(instance.job_name);
    if (group) group.push(instance);
    else groups.set(instance.job_name, [instance]);
  }
  const services: NetServiceEntryDto[] = [];
  for (const [jobName, group] of groups) {
    const attached = group
      .map((i) => attachedInstance(i, active))
      .filter((i): i is NetServiceInstanceDto => i !== undefined)
      .sort((a, b) => a.instance_number - b.instance_number);
    if (attached.length === 0) continue;
    const newest = [...group].sort((a, b) => b.generation - a.generation)[0] as ClusterInstance;
    services.push({
      job_name: jobName,
      service_ips: serviceIpsOf(newest.job),
      instances: attached,
    });
  }
  services.sort((a, b) => byString(a.job_name, b.job_name));
  return { recipients: [...active].sort(byString), services };
}

/** Equal keys ⇔ equal snapshots (both are built in canonical order). */
export function servicesSnapshotKey(snapshot: ServicesSnapshot): string {
  return JSON.stringify(snapshot);
}

/**
 * Why a `net/service/deployed` report cannot be recorded, or undefined when it can: the namespace
 * IP must be an IPv4 address inside the reporting worker's subnet (a worker cannot point a
 * service at addresses it does not own).
 */
export function deployedReportProblem(
  report: Pick<NetServiceDeployedDto, 'nsip'>,
  workerSubnet: string | undefined,
): string | undefined {
  if (ipv4ToNumber(report.nsip) === null) return `nsip ${JSON.stringify(report.nsip)} is not IPv4`;
  if (workerSubnet === undefined) return 'the worker has no subnet';
  if (!isIpv4InCidr(report.nsip, workerSubnet))
    return `nsip ${report.nsip} is outside the worker's subnet ${workerSubnet}`;
  return undefined;
}
