import {
  NetServiceIpType,
  NetTableQueryResultDto,
  parsePayload,
  type NetServiceEntryDto,
  type NetServiceInstanceDto,
  type NetServiceIpDto,
  summarizeIssues,
} from '@canopy/contracts';

/**
 * One service of ANOTHER cluster learnt by a table query: what `net/services` would carry for
 * it. The cluster leaves its own instances out of query results (they come through
 * `net/services`), so these are always remote backends.
 */
export interface QueriedService {
  jobName: string;
  serviceIps: NetServiceIpDto[];
  instances: NetServiceInstanceDto[];
}

export type TableQueryAnswer =
  | { kind: 'found'; queryKey: string | undefined; service: QueriedService }
  | { kind: 'not-found'; queryKey: string | undefined }
  | { kind: 'invalid'; reason: string };

const SERVICE_IP_TYPES: ReadonlySet<string> = new Set(Object.values(NetServiceIpType));

/**
 * Validates a `nodes/<id>/net/tablequery/result` payload. ServiceIPs come from Canopy's
 * `service_ips` and from Oakestra's per-instance `service_ip` lists (RR/closest only; InstanceIPs
 * are per instance); instances without a namespace IP cannot be routed to and are left out. An
 * instance without `worker_id` (an Oakestra cluster) is keyed by its host so RTT can still apply.
 */
export function decodeTableQueryResult(payload: Uint8Array | string): TableQueryAnswer {
  const parsed = parsePayload(NetTableQueryResultDto, payload);
  if (!parsed.ok) {
    return {
      kind: 'invalid',
      reason: summarizeIssues(parsed.errors),
    };
  }
  const result = parsed.value;
  const queryKey = result.query_key === '' ? undefined : result.query_key;
  if (result.found === false || result.app_name === '') return { kind: 'not-found', queryKey };
  const serviceIps = new Map<string, NetServiceIpDto>();
  const addIp = (type: string, address: string | undefined): void => {
    if (!SERVICE_IP_TYPES.has(type) || address === undefined || address === '') return;
    if (!serviceIps.has(address))
      serviceIps.set(address, { IpType: type as NetServiceIpType, Address: address });
  };
  for (const ip of result.service_ips ?? []) addIp(ip.IpType, ip.Address);
  const instances = new Map<string, NetServiceInstanceDto>();
  for (const i of result.instance_list) {
    for (const ip of i.service_ip ?? []) addIp(ip.IpType, ip.Address);
    if (i.namespace_ip === undefined || i.namespace_ip === '' || instances.has(i.namespace_ip))
      continue;
    const instance: NetServiceInstanceDto = {
      instance_number: i.instance_number,
      namespace_ip: i.namespace_ip,
      worker_id: i.worker_id ?? `host:${i.host_ip ?? i.namespace_ip}`,
    };
    if (i.instance_ip !== undefined && i.instance_ip !== '') instance.instance_ip = i.instance_ip;
    instances.set(i.namespace_ip, instance);
  }
  return {
    kind: 'found',
    queryKey,
    service: {
      jobName: result.app_name,
      serviceIps: [...serviceIps.values()],
      instances: [...instances.values()],
    },
  };
}

/**
 * The worker's effective service table: per job the union of the cluster's `net/services`
 * entry and the queried one, instances de-duplicated by namespace IP (the cluster's copy wins),
 * ServiceIPs from either. Pure; the input order is kept (cluster services first).
 */
export function mergeServiceTables(
  cluster: readonly NetServiceEntryDto[],
  queried: Iterable<QueriedService>,
): NetServiceEntryDto[] {
  const merged = new Map<string, NetServiceEntryDto>();
  for (const s of cluster) {
    merged.set(s.job_name, {
      job_name: s.job_name,
      service_ips: [...s.service_ips],
      instances: [...s.instances],
    });
  }
  for (const q of queried) {
    let entry = merged.get(q.jobName);
    if (!entry) {
      entry = { job_name: q.jobName, service_ips: [], instances: [] };
      merged.set(q.jobName, entry);
    }
    const ips = new Set(entry.service_ips.map((ip) => ip.Address));
    for (const ip of q.serviceIps) if (!ips.has(ip.Address)) entry.service_ips.push(ip);
    const nsips = new Set(entry.instances.map((i) => i.namespace_ip));
    for (const i of q.instances) if (!nsips.has(i.namespace_ip)) entry.instances.push(i);
  }
  return [...merged.values()];
}

/** Every ServiceIP and InstanceIP a table answers for (a miss on one of them needs no query). */
export function tableAddresses(services: readonly NetServiceEntryDto[]): Set<string> {
  const out = new Set<string>();
  for (const s of services) {
    for (const ip of s.service_ips) out.add(ip.Address);
    for (const i of s.instances) if (i.instance_ip !== undefined) out.add(i.instance_ip);
  }
  return out;
}
