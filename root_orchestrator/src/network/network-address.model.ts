import type { IpFamily } from './ip-address';

/** What an address is claimed for. */
export const AddressKind = { SERVICE: 'service', INSTANCE: 'instance' } as const;
export type AddressKind = (typeof AddressKind)[keyof typeof AddressKind];

/**
 * Oakestra's `IpType` of a ServiceIP (`service_ip_list[].IpType`): round-robin over the service's
 * instances, or the instance closest to the caller.
 */
export const ServiceAddressType = { RR: 'RR', CLOSEST: 'closest' } as const;
export type ServiceAddressType = (typeof ServiceAddressType)[keyof typeof ServiceAddressType];

/** Who holds an address (everything of a claim but the address itself). */
export interface AddressOwner {
  kind: AddressKind;
  service_id: string;
  ip_type?: ServiceAddressType;
  instance_number?: number;
}

/** A claimed address (a document of `network_addresses`). */
export interface AddressClaim extends AddressOwner {
  /** ObjectId hex of the claim document. */
  id: string;
  family: IpFamily;
  /** Canonical text. */
  address: string;
  pool: string;
  claimed_at: Date;
}

/** A `service_ip_list` entry as Oakestra stores and serves it (`Address_v6` omitted when none). */
export interface ServiceIpEntry {
  IpType: string;
  Address: string;
  Address_v6?: string;
}

/**
 * The semantic addresses of one service, as stored on its job document: Oakestra's `RR_ip` /
 * `RR_ip_v6` and its netinfo `service_ip_list` (RR first, then closest).
 */
export interface ServiceAddresses {
  RR_ip: string;
  RR_ip_v6?: string;
  service_ip_list: ServiceIpEntry[];
}
