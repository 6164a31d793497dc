import type { StoredService } from '../services/service.model';
import { ServiceAddressType } from './network-address.model';

/**
 * Oakestra's netinfo answers (root service manager, `/api/pubnet/service/netinfo/...`): a service's
 * networking facts. As Oakestra's `_subdict`, absent values are left out rather than sent as null.
 */
export interface ServiceIpView {
  Address?: string | null;
  Address_v6?: string | null;
  IpType: string;
}

export interface NetinfoInstanceView {
  cluster_id?: string;
  instance_number: number;
  instance_ip?: string;
  instance_ip_v6?: string;
}

export interface ServiceNetinfoView {
  system_job_id: string;
  applicationID: string;
  app_ns?: string;
  app_name?: string;
  service_ns?: string;
  service_name?: string;
  service_job_id: string;
  service_ip_list: ServiceIpView[];
  instance_list: NetinfoInstanceView[];
}

export interface AvailableServiceIpsView {
  available_service_ips: ServiceIpView[];
}

/** `system_job_id` and `service_job_id` are both the service id (one database in Canopy). */
export function toServiceNetinfo(service: StoredService): ServiceNetinfoView {
  const doc = service.document;
  return {
    system_job_id: service.id,
    applicationID: service.applicationID,
    ...stringFields(doc, ['app_ns', 'app_name', 'service_ns', 'service_name']),
    service_job_id: service.id,
    service_ip_list: serviceIps(doc),
    instance_list: service.instance_list.map((instance) => ({
      ...stringFields(instance, ['cluster_id']),
      instance_number: instance.instance_number,
      ...stringFields(instance, ['instance_ip', 'instance_ip_v6']),
    })),
  };
}

/** Oakestra's `_format_service_ip`: a free address with `IpType` `IPv4` or `IPv6`. */
export function toAvailableIp(address: string, family: 4 | 6): ServiceIpView {
  return family === 4
    ? { Address: address, Address_v6: null, IpType: 'IPv4' }
    : { Address: null, Address_v6: address, IpType: 'IPv6' };
}

function serviceIps(doc: Record<string, unknown>): ServiceIpView[] {
  const list = doc['service_ip_list'];
  if (Array.isArray(list)) {
    return list
      .filter((e): e is Record<string, unknown> => typeof e === 'object' && e !== null)
      .map((entry) => ({
        ...stringFields(entry, ['Address', 'Address_v6']),
        IpType: String(entry['IpType'] ?? ''),
      }));
  }
  // A service stored before addresses were allocated: its SLA's rr_ip, if any.
  const legacy = stringFields(doc, ['RR_ip', 'RR_ip_v6']);
  if (legacy['RR_ip'] === undefined && legacy['RR_ip_v6'] === undefined) return [];
  return [
    {
      ...(legacy['RR_ip'] !== undefined ? { Address: legacy['RR_ip'] } : {}),
      ...(legacy['RR_ip_v6'] !== undefined ? { Address_v6: legacy['RR_ip_v6'] } : {}),
      IpType: ServiceAddressType.RR,
    },
  ];
}

function stringFields<K extends string>(
  source: Record<string, unknown>,
  keys: readonly K[],
): Partial<Record<K, string>> {
  const result: Partial<Record<K, string>> = {};
  for (const key of keys) {
    const value = source[key];
    if (typeof value === 'string' && value !== '') result[key] = value;
  }
  return result;
}
