import {
  ipv4ToNumber,
  isValidTopicSegment,
  JobUpdateType,
  NetServiceIpType,
  ServiceIpType,
  type NetServiceIpDto,
  type NetTableQueryRequestDto,
  type NetTableQueryResultDto,
  type TableQueryInstanceDto,
} from '@canopy/contracts';
import type { ServiceTable } from '@canopy/contracts/grpc';
import type { ClusterInstance } from '../instances/cluster-instance.repository';
import type { HierarchyQuery } from './hierarchy-link';
import { serviceIpsOf } from './net-services.rules';

/**
 * Table queries of workers (Oakestra's `net/tablequery/request`, reference §7.4), answered from
 * the root's hierarchy-wide tables. Pure; RemoteTablesService does the I/O.
 *
 * Division of labour with `net/services`: a worker learns its OWN cluster's instances from the
 * pushed cluster table (fresh within ~0.1 s of a namespace report); query results carry only
 * instances on OTHER clusters (the root's view of this cluster lags one report), so the worker
 * takes the union of both and never sees the same instance twice.
 */

/** What a query asks for, or why it cannot be asked. */
export function hierarchyQueryOf(
  request: NetTableQueryRequestDto,
): { query: HierarchyQuery; key: string } | { problem: string } {
  const sname = request.sname ?? '';
  const sip = request.sip ?? '';
  if ((sname === '') === (sip === ''))
    return { problem: 'exactly one of sname and sip must be set' };
  if (sname !== '') {
    // The job name becomes a topic level (jobs/<job>/updates_available).
    if (!isValidTopicSegment(sname)) return { problem: 'sname cannot be a job name' };
    return { query: { job_name: sname }, key: sname };
  }
  if (ipv4ToNumber(sip) === null)
    return { problem: `sip ${JSON.stringify(sip.slice(0, 64))} is not IPv4` };
  return { query: { service_ip: sip }, key: sip };
}

/** The ServiceIPs of a root table that workers can program (RR and closest). */
function serviceIpsOfTable(table: ServiceTable): NetServiceIpDto[] {
  return table.service_ips.flatMap((a) =>
    (a.ip_type === NetServiceIpType.RR || a.ip_type === NetServiceIpType.CLOSEST) &&
    ipv4ToNumber(a.address) !== null
      ? [{ IpType: a.ip_type, Address: a.address }]
      : [],
  );
}

/** The instances of a root table that live on other clusters, sorted, as worker entries. */
function remoteInstancesOf(
  table: ServiceTable,
  ownClusterId: string | undefined,
): TableQueryInstanceDto[] {
  const serviceIps = serviceIpsOfTable(table).map((s) => ({
    IpType: s.IpType,
    Address: s.Address,
  }));
  return table.instances
    .filter((i) => i.cluster_id !== ownClusterId && ipv4ToNumber(i.namespace_ip) !== null)
    .sort((a, b) =>
      a.cluster_id !== b.cluster_id
        ? a.cluster_id < b.cluster_id
          ? -1
          : 1
        : a.instance_number - b.instance_number,
    )
    .map((i) => ({
      instance_number: i.instance_number,
      ...(i.instance_ip !== '' ? { instance_ip: i.instance_ip } : {}),
      namespace_ip: i.namespace_ip,
      // The id this worker's tunnel peer list uses for that worker (remotePeersOf).
      worker_id: `${i.cluster_id}/${i.worker_id}`,
      cluster_id: i.cluster_id,
      service_ip: [
        ...serviceIps,
        ...(i.instance_ip !== ''
          ? [{ IpType: ServiceIpType.INSTANCE_IP, Address: i.instance_ip }]
          : []),
      ],
    }));
}

/** The answer to a worker for a table the root found. */
export function foundResultOf(
  table: ServiceTable,
  queryKey: string,
  ownClusterId: string | undefined,
): NetTableQueryResultDto {
  return {
    app_name: table.job_name,
    query_key: queryKey,
    found: true,
    service_ips: serviceIpsOfTable(table),
    instance_list: remoteInstancesOf(table, ownClusterId),
  };
}

/** The answer to a worker when no service has that name or address. */
export function notFoundResultOf(queryKey: string): NetTableQueryResultDto {
  return { app_name: '', query_key: queryKey, found: false, instance_list: [] };
}

/**
 * The answer from this cluster's own records when the root cannot be asked (partition): the
 * service is known here, its instances here come through `net/services`, other clusters' are
 * unknown for now (the interest is registered with the root once the session is back).
 */
export function localResultOf(
  jobName: string,
  serviceIps: NetServiceIpDto[],
  queryKey: string,
): NetTableQueryResultDto {
  return {
    app_name: jobName,
    query_key: queryKey,
    found: true,
    service_ips: serviceIps,
    instance_list: [],
  };
}

/** The job of this cluster's instances that the query names or whose address it asks for. */
export function localMatchOf(
  query: HierarchyQuery,
  instances: readonly ClusterInstance[],
): { jobName: string; serviceIps: NetServiceIpDto[] } | undefined {
  for (const instance of instances) {
    const serviceIps = serviceIpsOf(instance.job);
    const matches =
      'job_name' in query
        ? instance.job_name === query.job_name
        : serviceIps.some((s) => s.Address === query.service_ip) ||
          instance.job['instance_ip'] === query.service_ip;
    if (matches) return { jobName: instance.job_name, serviceIps };
  }
  return undefined;
}

/** True when a cached table answers the query (by job name, ServiceIP or InstanceIP). */
export function tableAnswers(table: ServiceTable, query: HierarchyQuery): boolean {
  if ('job_name' in query) return table.job_name === query.job_name;
  return (
    table.service_ips.some((s) => s.address === query.service_ip) ||
    table.instances.some((i) => i.instance_ip === query.service_ip)
  );
}

/** Equal keys ⇔ a worker of this cluster would get the same answer (what it can see of it). */
export function workerViewKey(table: ServiceTable, ownClusterId: string | undefined): string {
  return JSON.stringify([
    table.found,
    serviceIpsOfTable(table),
    remoteInstancesOf(table, ownClusterId),
  ]);
}

/** Oakestra's update type: DEPLOYMENT when an instance appeared, else UNDEPLOYMENT. */
export function updateTypeOf(
  before: ServiceTable | undefined,
  after: ServiceTable,
  ownClusterId: string | undefined,
): JobUpdateType {
  const known = new Set(
    before === undefined ? [] : remoteInstancesOf(before, ownClusterId).map((i) => i.namespace_ip),
  );
  return remoteInstancesOf(after, ownClusterId).some((i) => !known.has(i.namespace_ip))
    ? JobUpdateType.DEPLOYMENT
    : JobUpdateType.UNDEPLOYMENT;
}
