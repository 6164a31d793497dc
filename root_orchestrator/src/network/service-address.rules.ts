import type { SlaAddressesDto } from '@canopy/contracts';
import type { ErrorDetail } from '../common/errors/domain-errors';
import { type AddressPool, checkRequestedAddress } from './address-pool';
import { canonicalIp } from './ip-address';
import {
  type AddressClaim,
  AddressKind,
  type ServiceAddresses,
  ServiceAddressType,
  type ServiceIpEntry,
} from './network-address.model';

/** The SLA fields (`addresses.*`) of the IPv4 ServiceIPs the root allocates, by IpType. */
export const SERVICE_ADDRESS_FIELDS = [
  { type: ServiceAddressType.RR, field: 'rr_ip', v6Field: 'rr_ip_v6' },
  { type: ServiceAddressType.CLOSEST, field: 'closest_ip', v6Field: 'closest_ip_v6' },
] as const;

/** One service of a request, where it sits in the request (for error paths) and what it asks. */
export interface ServiceAddressRequest {
  serviceId: string;
  /** e.g. `applications[0].microservices[1]`. */
  path: string;
  addresses?: SlaAddressesDto | undefined;
}

/**
 * 422 problems of the addresses a request names, before anything is claimed: each must be usable
 * in the service pool (inside it, not its network/broadcast address), and no address may be named
 * twice in one request (RR and closest of one service included). Whether they are free is state,
 * left to the claims (409).
 */
export function requestedAddressProblems(
  pool: AddressPool,
  requests: readonly Pick<ServiceAddressRequest, 'path' | 'addresses'>[],
): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const seen = new Map<string, string>();
  for (const request of requests) {
    for (const { field } of SERVICE_ADDRESS_FIELDS) {
      const text = request.addresses?.[field];
      if (text === undefined) continue;
      const path = `${request.path}.addresses.${field}`;
      const check = checkRequestedAddress(pool, text);
      if (!check.ok) {
        problems.push({ path, message: `${field} ${check.reason}` });
        continue;
      }
      const first = seen.get(check.canonical);
      if (first !== undefined) {
        problems.push({
          path,
          message: `${field} ${check.canonical} is already named at ${first}`,
        });
      } else {
        seen.set(check.canonical, path);
      }
    }
  }
  return problems;
}

/**
 * The job-document fields of a service's claimed ServiceIPs: `RR_ip` (Oakestra's system manager
 * field), `RR_ip_v6` and `service_ip_list` (Oakestra's root service manager / netinfo shape).
 * IPv6 addresses are not allocated yet: those the SLA names are carried as given.
 */
export function serviceAddressesOf(
  claims: readonly Pick<AddressClaim, 'address' | 'ip_type'>[],
  requested: SlaAddressesDto | undefined,
): ServiceAddresses {
  const service_ip_list: ServiceIpEntry[] = [];
  for (const { type, v6Field } of SERVICE_ADDRESS_FIELDS) {
    const claim = claims.find((c) => c.ip_type === type);
    if (!claim) continue;
    const v6 = requested?.[v6Field];
    service_ip_list.push({
      IpType: type,
      Address: claim.address,
      ...(v6 !== undefined ? { Address_v6: canonicalIp(v6) ?? v6 } : {}),
    });
  }
  const rr = service_ip_list.find((e) => e.IpType === ServiceAddressType.RR);
  if (!rr) throw new Error('serviceAddressesOf: no RR claim'); // a programming mistake
  return {
    RR_ip: rr.Address,
    ...(rr.Address_v6 !== undefined ? { RR_ip_v6: rr.Address_v6 } : {}),
    service_ip_list,
  };
}

/**
 * 422 problems of a PUT that would move a service's addresses: they are fixed at registration
 * (workers route them); a PUT may repeat them, or leave them out, but not change them.
 */
export function addressChangeProblems(
  stored: Record<string, unknown>,
  next: SlaAddressesDto | undefined,
): ErrorDetail[] {
  const list = Array.isArray(stored['service_ip_list'])
    ? (stored['service_ip_list'] as Partial<ServiceIpEntry>[])
    : [];
  const problems: ErrorDetail[] = [];
  for (const { type, field, v6Field } of SERVICE_ADDRESS_FIELDS) {
    const entry = list.find((e) => e.IpType === type);
    const current = {
      [field]: entry?.Address ?? (type === ServiceAddressType.RR ? stored['RR_ip'] : undefined),
      [v6Field]:
        entry?.Address_v6 ?? (type === ServiceAddressType.RR ? stored['RR_ip_v6'] : undefined),
    };
    for (const name of [field, v6Field]) {
      const wanted = next?.[name];
      if (wanted === undefined) continue;
      const have = current[name];
      if (typeof have === 'string' && canonicalIp(wanted) === canonicalIp(have)) continue;
      problems.push({
        path: `addresses.${name}`,
        message:
          typeof have === 'string'
            ? `${name} is ${have} and cannot change; delete the service and add it again`
            : `${name} cannot be added to a registered service; delete it and add it again`,
      });
    }
  }
  return problems;
}

/**
 * Claims that nothing refers to any more, given the services that exist (by id): claims of a
 * missing service (a crash between deleting a service and releasing its addresses, or between
 * claiming and inserting it), and instance addresses no instance record of the service holds.
 * Callers pass only claims old enough that no request can still be about to use them.
 */
export function orphanedClaims(
  claims: readonly AddressClaim[],
  services: ReadonlyMap<string, { instance_list: readonly Record<string, unknown>[] }>,
): AddressClaim[] {
  return claims.filter((claim) => {
    const service = services.get(claim.service_id);
    if (!service) return true;
    if (claim.kind !== AddressKind.INSTANCE) return false;
    return !service.instance_list.some((i) => i['instance_ip'] === claim.address);
  });
}
