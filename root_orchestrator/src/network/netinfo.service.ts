import { Injectable } from '@nestjs/common';
import { requireApplicationProvider } from '../auth/policies';
import type { Principal } from '../auth/principal';
import { BadRequestError, NotFoundError } from '../common/errors/domain-errors';
import { ServiceRepository } from '../services/service.repository';
import { SERVICE_NOT_FOUND, ServicesService } from '../services/services.service';
import { canonicalIp } from './ip-address';
import { NetworkAddressesService } from './network-addresses.service';
import {
  type AvailableServiceIpsView,
  type ServiceNetinfoView,
  toAvailableIp,
  toServiceNetinfo,
} from './netinfo.presenter';

/** Most addresses one `available-ip/<x>` call lists. */
export const MAX_AVAILABLE_IPS = 256;

/**
 * Oakestra's public netinfo routes. Who may see what follows the service routes: the
 * Application_Provider role, and another user's service is a 404 (Oakestra: any token sees any
 * service). Path values may spell dots as underscores (`10_30_0_1`, `app_ns_svc_ns`), as
 * Oakestra's clients do; names and addresses contain no underscores, so the mapping is lossless.
 */
@Injectable()
export class NetinfoService {
  constructor(
    private readonly addresses: NetworkAddressesService,
    private readonly services: ServicesService,
    private readonly repository: ServiceRepository,
  ) {}

  /** The next `x` (default 1) free ServiceIPs, NOT reserved; `v`: `4`, `6` or both when absent. */
  async availableIps(
    principal: Principal,
    x: string | undefined,
    v: string | undefined,
  ): Promise<AvailableServiceIpsView> {
    requireApplicationProvider(principal);
    const count = parseCount(x);
    if (v !== undefined && v !== '4' && v !== '6') {
      throw new BadRequestError('v must be 4 or 6', [{ path: 'v', message: 'must be 4 or 6' }]);
    }
    const families: (4 | 6)[] = v === '4' ? [4] : v === '6' ? [6] : [4, 6];
    const available_service_ips = [];
    for (const family of families) {
      for (const address of await this.addresses.availableServiceIps(family, count)) {
        available_service_ips.push(toAvailableIp(address, family));
      }
    }
    return { available_service_ips };
  }

  /** By job name `app.appns.svc.svcns` (or `app_appns_svc_svcns`). */
  async byName(principal: Principal, name: string): Promise<ServiceNetinfoView> {
    requireApplicationProvider(principal);
    const service = await this.repository.findByJobName(name.replaceAll('_', '.'));
    if (!service) throw new NotFoundError(SERVICE_NOT_FOUND);
    return toServiceNetinfo(await this.services.visibleService(principal, service.id));
  }

  /** By a ServiceIP (RR or closest) or an InstanceIP, IPv4 or IPv6. */
  async byIp(principal: Principal, ip: string): Promise<ServiceNetinfoView> {
    requireApplicationProvider(principal);
    const address = canonicalIp(ip.includes(':') ? ip : ip.replaceAll('_', '.'));
    if (address === null) {
      throw new BadRequestError('service_ip must be an IP address', [
        { path: 'service_ip', message: 'must be an IPv4 or IPv6 address (dots may be written _)' },
      ]);
    }
    const service = await this.repository.findByAddress(address);
    if (!service) throw new NotFoundError(SERVICE_NOT_FOUND);
    return toServiceNetinfo(await this.services.visibleService(principal, service.id));
  }
}

function parseCount(x: string | undefined): number {
  if (x === undefined) return 1;
  if (!/^[1-9]\d{0,3}$/.test(x) || Number(x) > MAX_AVAILABLE_IPS) {
    throw new BadRequestError(`x must be an integer from 1 to ${MAX_AVAILABLE_IPS}`, [
      { path: 'x', message: `must be an integer from 1 to ${MAX_AVAILABLE_IPS}` },
    ]);
  }
  return Number(x);
}
