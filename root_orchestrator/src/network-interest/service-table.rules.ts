import { InstanceStatus } from '@canopy/contracts';
import type {
  ServiceAddress,
  ServiceQuery,
  ServiceTable,
  ServiceTableInstance,
} from '@canopy/contracts/grpc';
import { clusterIdOf } from '../clusters/instance-assignment';
import { canonicalIp } from '../network/ip-address';
import { ServiceAddressType } from '../network/network-address.model';
import type { StoredService } from '../services/service.model';

/**
 * Hierarchy-wide service tables (pure): what the root answers a cluster's ServiceQuery with and
 * pushes to interested sessions (Oakestra's `/api/net/service/<name>/instances`, reference §7.4).
 */

/** Job names are `app.appns.svc.svcns`; SLA names are short, this leaves ample room. */
export const MAX_JOB_NAME = 255;
/** Longest address text (IPv6 with an embedded IPv4 tail). */
export const MAX_SERVICE_IP = 45;
export const MAX_REQUEST_ID = 128;

export type ParsedQuery =
  | {
      ok: true;
      requestId: string;
      by: 'job_name' | 'service_ip';
      /** What to look up (the address in canonical form). */
      key: string;
      /** What was asked, as asked: the answer's query_key. */
      asked: string;
    }
  /** `answerAs`: the request id to answer found=false with; null = do not answer at all. */
  | { ok: false; reason: string; answerAs: string | null };

/**
 * Exactly one of job_name / service_ip, both bounded, the address well-formed (and canonical for
 * the lookup). A request id too long to echo gets no answer: an answer with a cut or empty id
 * would read as an answer to another query or as a push.
 */
export function parseServiceQuery(query: ServiceQuery): ParsedQuery {
  if (query.request_id.length > MAX_REQUEST_ID) {
    return { ok: false, reason: `request_id longer than ${MAX_REQUEST_ID}`, answerAs: null };
  }
  const refuse = (reason: string): ParsedQuery => ({
    ok: false,
    reason,
    answerAs: query.request_id,
  });
  const byName = query.job_name !== '';
  const byIp = query.service_ip !== '';
  if (byName === byIp) return refuse('exactly one of job_name and service_ip must be set');
  if (byName) {
    if (query.job_name.length > MAX_JOB_NAME) return refuse(`job_name longer than ${MAX_JOB_NAME}`);
    return {
      ok: true,
      requestId: query.request_id,
      by: 'job_name',
      key: query.job_name,
      asked: query.job_name,
    };
  }
  if (query.service_ip.length > MAX_SERVICE_IP) {
    return refuse(`service_ip longer than ${MAX_SERVICE_IP}`);
  }
  const address = canonicalIp(query.service_ip);
  if (address === null) return refuse('service_ip is not an IP address');
  return {
    ok: true,
    requestId: query.request_id,
    by: 'service_ip',
    key: address,
    asked: query.service_ip,
  };
}

export function notFoundTable(requestId: string, queryKey: string): ServiceTable {
  return {
    request_id: requestId,
    query_key: queryKey,
    found: false,
    job_name: '',
    service_ips: [],
    instances: [],
  };
}

/**
 * The service's table as `visible` clusters allow: its RR and closest ServiceIPs, and its
 * instances that can be reached right now — RUNNING, network namespace attached (namespace_ip
 * known) and placed on a visible cluster. Instances sorted by number, so equal tables are equal.
 */
export function buildServiceTable(
  service: StoredService,
  visible: ReadonlySet<string>,
  requestId: string,
  queryKey: string,
): ServiceTable {
  const instances: ServiceTableInstance[] = [];
  for (const instance of service.instance_list) {
    const clusterId = clusterIdOf(instance);
    const namespaceIp = stringField(instance, 'namespace_ip');
    if (instance.status !== InstanceStatus.RUNNING || namespaceIp === '') continue;
    if (clusterId === undefined || !visible.has(clusterId)) continue;
    instances.push({
      instance_number: instance.instance_number,
      instance_ip: stringField(instance, 'instance_ip'),
      namespace_ip: namespaceIp,
      worker_id: stringField(instance, 'worker_id'),
      cluster_id: clusterId,
    });
  }
  instances.sort((a, b) => a.instance_number - b.instance_number);
  return {
    request_id: requestId,
    query_key: queryKey,
    found: true,
    job_name: service.job_name,
    service_ips: serviceAddresses(service.document),
    instances,
  };
}

/** Identity of a table's content (the request id aside), to push only changes. */
export function tableKey(table: ServiceTable): string {
  if (!table.found) return 'not-found';
  return JSON.stringify([
    table.job_name,
    table.service_ips.map((a) => [a.ip_type, a.address]),
    table.instances.map((i) => [
      i.instance_number,
      i.instance_ip,
      i.namespace_ip,
      i.worker_id,
      i.cluster_id,
    ]),
  ]);
}

/** RR first, then closest; a service stored before `service_ip_list` existed has its RR_ip. */
function serviceAddresses(doc: Record<string, unknown>): ServiceAddress[] {
  const list = Array.isArray(doc['service_ip_list']) ? (doc['service_ip_list'] as unknown[]) : [];
  const addresses: ServiceAddress[] = [];
  for (const type of [ServiceAddressType.RR, ServiceAddressType.CLOSEST]) {
    const entry = list.find(
      (e): e is Record<string, unknown> =>
        typeof e === 'object' && e !== null && (e as Record<string, unknown>)['IpType'] === type,
    );
    const address = entry ? stringField(entry, 'Address') : '';
    if (address !== '') addresses.push({ ip_type: type, address });
  }
  const legacy = stringField(doc, 'RR_ip');
  if (addresses.length === 0 && legacy !== '') {
    addresses.push({ ip_type: ServiceAddressType.RR, address: legacy });
  }
  return addresses;
}

function stringField(source: Record<string, unknown>, field: string): string {
  const value = source[field];
  return typeof value === 'string' ? value : '';
}
