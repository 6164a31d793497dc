import type { SlaAddressesDto } from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { ConflictError, UnprocessableError } from '../common/errors/domain-errors';
import { RootConfig } from '../config/root-config';
import { AddressAllocator } from './address-allocator.service';
import { type AddressPool, checkRequestedAddress, poolOf } from './address-pool';
import { parseIp } from './ip-address';
import { type AddressClaim, AddressKind, type ServiceAddresses } from './network-address.model';
import { NetworkAddressRepository } from './network-address.repository';
import {
  addressChangeProblems,
  requestedAddressProblems,
  SERVICE_ADDRESS_FIELDS,
  type ServiceAddressRequest,
  serviceAddressesOf,
} from './service-address.rules';

/**
 * The root's semantic addresses (Oakestra's root network manager): a round-robin and a closest
 * ServiceIP per service, from `SERVICE_IP_POOL`, and an InstanceIP per instance, from
 * `INSTANCE_IP_POOL`. Claims are documents guarded by a unique index (NetworkAddressRepository);
 * everything here keeps the invariant "an address held by a stored service or instance is
 * claimed by it" — claims come first, releases after the holder is gone — so a crash can leak an
 * address (swept later, see NetworkAddressSweeper) but never hand one out twice.
 */
@Injectable()
export class NetworkAddressesService {
  readonly servicePool: AddressPool;
  readonly instancePool: AddressPool;

  constructor(
    config: RootConfig,
    private readonly allocator: AddressAllocator,
    private readonly repository: NetworkAddressRepository,
  ) {
    // Validated at boot (RootConfig), so parsing cannot fail here.
    this.servicePool = poolOf(config.SERVICE_IP_POOL);
    this.instancePool = poolOf(config.INSTANCE_IP_POOL);
  }

  /**
   * 422 when a requested ServiceIP is unusable (outside the service pool, its network or
   * broadcast address) or named twice in the request. Pure: call it before anything is written.
   */
  checkRequested(requests: readonly Pick<ServiceAddressRequest, 'path' | 'addresses'>[]): void {
    const problems = requestedAddressProblems(this.servicePool, requests);
    if (problems.length > 0) {
      throw new UnprocessableError(
        `The SLA requests unusable service addresses (service pool ${this.servicePool.cidr})`,
        problems,
      );
    }
  }

  /**
   * Claims the RR and closest ServiceIPs of every service: the requested ones first (so that an
   * automatic pick for one service cannot take the address another service of the same request
   * names), then the next free ones. All or nothing: on any failure every address claimed here
   * is released before the error propagates (409 with the field path for a taken address, 409 for
   * an exhausted pool).
   */
  async allocateForServices(
    requests: readonly ServiceAddressRequest[],
  ): Promise<Map<string, ServiceAddresses>> {
    this.checkRequested(requests);
    const claimed: AddressClaim[] = [];
    try {
      for (const request of requests) {
        for (const { type, field } of SERVICE_ADDRESS_FIELDS) {
          const text = request.addresses?.[field];
          if (text === undefined) continue;
          const check = checkRequestedAddress(this.servicePool, text);
          if (!check.ok) continue; // unreachable: checkRequested passed
          const claim = await this.allocator.claimRequested(this.servicePool, check.canonical, {
            kind: AddressKind.SERVICE,
            service_id: request.serviceId,
            ip_type: type,
          });
          if (!claim) {
            throw new ConflictError(`The address ${check.canonical} is already in use`, [
              {
                path: `${request.path}.addresses.${field}`,
                message: `${field} ${check.canonical} is already assigned to another service or instance`,
              },
            ]);
          }
          claimed.push(claim);
        }
      }
      for (const request of requests) {
        for (const { type, field } of SERVICE_ADDRESS_FIELDS) {
          if (request.addresses?.[field] !== undefined) continue;
          claimed.push(
            await this.allocator.claimNext(this.servicePool, {
              kind: AddressKind.SERVICE,
              service_id: request.serviceId,
              ip_type: type,
            }),
          );
        }
      }
    } catch (error) {
      await this.repository.deleteByIds(claimed.map((c) => c.id));
      throw error;
    }
    return new Map(
      requests.map((request) => [
        request.serviceId,
        serviceAddressesOf(
          claimed.filter((c) => c.service_id === request.serviceId),
          request.addresses,
        ),
      ]),
    );
  }

  /** Releases every address of these services (call after the services are deleted). */
  async releaseServices(serviceIds: readonly string[]): Promise<void> {
    await this.repository.deleteOfServices(serviceIds);
  }

  /**
   * Claims an InstanceIP for an instance of `serviceId` that is about to be appended. The
   * instance number is recorded afterwards ({@link bindInstance}): it is only known once the
   * compare-and-set that appends the instance has won.
   */
  claimInstanceAddress(serviceId: string): Promise<AddressClaim> {
    return this.allocator.claimNext(this.instancePool, {
      kind: AddressKind.INSTANCE,
      service_id: serviceId,
    });
  }

  /**
   * Records the instance number on its claim. Informational (releases go by address, which the
   * instance record holds), so a failure here must not fail a scale-up that is already stored.
   */
  async bindInstance(claim: AddressClaim, instanceNumber: number): Promise<void> {
    await this.repository.setInstanceNumber(claim.id, instanceNumber).catch(() => undefined);
  }

  /** Gives back a claim whose instance was never stored. */
  async releaseClaim(claim: AddressClaim): Promise<void> {
    await this.repository.deleteByIds([claim.id]);
  }

  /**
   * Releases the InstanceIPs of removed instances (call after they left the instance list). By
   * address, not by number: an instance's record holds exactly the address it was given.
   */
  async releaseInstances(
    serviceId: string,
    removed: readonly Record<string, unknown>[],
  ): Promise<void> {
    const byFamily = new Map<4 | 6, string[]>();
    for (const instance of removed) {
      for (const field of ['instance_ip', 'instance_ip_v6']) {
        const text = instance[field];
        const parsed = typeof text === 'string' ? parseIp(text) : null;
        if (parsed === null) continue;
        byFamily.set(parsed.family, [...(byFamily.get(parsed.family) ?? []), text as string]);
      }
    }
    for (const [family, addresses] of byFamily) {
      await this.repository.deleteInstanceAddresses(serviceId, family, addresses);
    }
  }

  /** 422 when a PUT of a service's spec would change its addresses (see addressChangeProblems). */
  checkUpdate(stored: Record<string, unknown>, next: SlaAddressesDto | undefined): void {
    const problems = addressChangeProblems(stored, next);
    if (problems.length > 0) {
      throw new UnprocessableError("A service's addresses cannot change", problems);
    }
  }

  /** The next `count` free ServiceIPs of a family, not reserved (netinfo `available-ip`). */
  async availableServiceIps(family: 4 | 6, count: number): Promise<string[]> {
    if (this.servicePool.family !== family) return []; // no pool of that family (IPv6: later)
    return this.allocator.peekFree(this.servicePool, count);
  }
}
