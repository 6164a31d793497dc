import { IsBoolean, IsDefined, IsIn, IsInt, IsString, Matches, Max, Min } from 'class-validator';
import { IsNonNegativeInt, NestedArray, OptionalField } from '../../validation/validators';

// Payloads between a worker's net manager (NM) and the cluster network manager (CSM),
// reference/oakestra.md §5.2. Field names, including their odd casing, are Oakestra's.

export const SubnetMethod = { GET: 'GET', DELETE: 'DELETE' } as const;
export type SubnetMethod = (typeof SubnetMethod)[keyof typeof SubnetMethod];

/** `nodes/<id>/net/subnet`: request (GET) or release (DELETE, a no-op in Oakestra) a subnet. */
export class NetSubnetRequestDto {
  @IsDefined()
  @IsIn(Object.values(SubnetMethod))
  METHOD!: SubnetMethod;
}

/** `nodes/<id>/net/subnetwork/result`: the worker's subnet (empty strings when none is free). */
export class NetSubnetworkResultDto {
  @IsDefined()
  @IsString()
  address!: string;

  @OptionalField()
  @IsString()
  addressv6?: string;
}

/** `nodes/<id>/net/tablequery/request`: look a service up by job name or by service IP. */
export class NetTableQueryRequestDto {
  /** Job name; empty when querying by IP. */
  @OptionalField()
  @IsString()
  sname?: string;

  /** Service IP; empty when querying by name. */
  @OptionalField()
  @IsString()
  sip?: string;
}

export const ServiceIpType = { RR: 'RR', CLOSEST: 'closest', INSTANCE_IP: 'instance_ip' } as const;
export type ServiceIpType = (typeof ServiceIpType)[keyof typeof ServiceIpType];

export class ServiceIpDto {
  /** `RR` or `instance_ip`; other values are tolerated for forward compatibility. */
  @IsDefined()
  @IsString()
  IpType!: string;

  @IsDefined()
  @IsString()
  Address!: string;

  @OptionalField()
  @IsString()
  Address_v6?: string;
}

export class TableQueryInstanceDto {
  @IsDefined()
  @IsNonNegativeInt()
  instance_number!: number;

  @OptionalField()
  @IsString()
  instance_ip?: string;

  @OptionalField()
  @IsString()
  instance_ip_v6?: string;

  @OptionalField()
  @IsString()
  namespace_ip?: string;

  @OptionalField()
  @IsString()
  namespace_ip_v6?: string;

  @OptionalField()
  @IsString()
  host_ip?: string;

  /** Tunnel port of the hosting worker (a number here, unlike net/service/deployed). */
  @OptionalField()
  @IsNonNegativeInt()
  host_port?: number;

  @OptionalField()
  @NestedArray(() => ServiceIpDto)
  service_ip?: ServiceIpDto[];

  /** Canopy: the worker the instance runs on (its tunnel peer id; `closest` measures RTT to it). */
  @OptionalField()
  @IsString()
  worker_id?: string;

  /** Canopy: the cluster of that worker. */
  @OptionalField()
  @IsString()
  cluster_id?: string;
}

/** `nodes/<id>/net/tablequery/result`. */
export class NetTableQueryResultDto {
  /** Job name of the service. */
  @IsDefined()
  @IsString()
  app_name!: string;

  /** The `sname` or `sip` this answers. */
  @OptionalField()
  @IsString()
  query_key?: string;

  @IsDefined()
  @NestedArray(() => TableQueryInstanceDto)
  instance_list!: TableQueryInstanceDto[];

  /**
   * Canopy: false when no service has that name or address anywhere in the hierarchy (then
   * `app_name` is empty); absent means found (Oakestra answers only found services).
   */
  @OptionalField()
  @IsBoolean()
  found?: boolean;

  /** Canopy: the service's ServiceIPs, also when it has no attached instance yet. */
  @OptionalField()
  @NestedArray(() => NetServiceIpDto)
  service_ips?: NetServiceIpDto[];
}

/** `nodes/<id>/net/service/deployed`. */
export class NetServiceDeployedDto {
  /** Job name. */
  @IsDefined()
  @IsString()
  appname!: string;

  @OptionalField()
  @IsString()
  status?: string;

  @IsDefined()
  @IsNonNegativeInt()
  instance_number!: number;

  /** Namespace IP of the instance. */
  @IsDefined()
  @IsString()
  nsip!: string;

  @OptionalField()
  @IsString()
  nsipv6?: string;

  @IsDefined()
  @IsString()
  host_ip!: string;

  /** Tunnel port as text (Oakestra's net manager sends a string here). */
  @IsDefined()
  @IsString()
  host_port!: string;
}

/** `nodes/<id>/net/service/address-changed`: the worker's public address changed. */
export class NetServiceAddressChangedDto {
  @IsDefined()
  @IsString()
  appname!: string;

  @IsDefined()
  @IsNonNegativeInt()
  instance_number!: number;

  @IsDefined()
  @IsString()
  host_ip!: string;

  @IsDefined()
  @IsString()
  host_port!: string;
}

/**
 * `nodes/<id>/net/service/undeployed`. Oakestra publishes it but never handles it, so it has no
 * settled shape; Canopy's reading: the job name and, optionally, the instance.
 */
export class NetServiceUndeployedDto {
  @IsDefined()
  @IsString()
  appname!: string;

  @OptionalField()
  @IsNonNegativeInt()
  instance_number?: number;
}

/** `nodes/<id>/net/interest/remove`. */
export class NetInterestRemoveDto {
  /** Job name. */
  @IsDefined()
  @IsString()
  appname!: string;
}

export const JobUpdateType = { DEPLOYMENT: 'DEPLOYMENT', UNDEPLOYMENT: 'UNDEPLOYMENT' } as const;
export type JobUpdateType = (typeof JobUpdateType)[keyof typeof JobUpdateType];

/** `jobs/<job_name>/updates_available`: re-run the table query for that job. */
export class JobUpdatesAvailableDto {
  @IsDefined()
  @IsIn(Object.values(JobUpdateType))
  type!: JobUpdateType;
}

/** Tunnel backends a worker can run (worker config `network.backend`). */
export const TunnelBackend = { WIREGUARD: 'wireguard', VXLAN: 'vxlan' } as const;
export type TunnelBackend = (typeof TunnelBackend)[keyof typeof TunnelBackend];

/** A WireGuard public key: 32 bytes, standard base64 (44 characters ending in `=`). */
export const WIREGUARD_KEY_PATTERN = /^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw480]=$/;

/** One other worker of the cluster, as a tunnel peer. */
export class NetPeerDto {
  /** Worker id. */
  @IsDefined()
  @IsString()
  id!: string;

  /** The peer's subnet (CIDR), routed through the tunnel. */
  @IsDefined()
  @IsString()
  subnet!: string;

  /** The peer's underlay address (its `ip` fact). */
  @IsDefined()
  @IsString()
  endpoint!: string;

  /** The peer's tunnel port (UDP). */
  @IsDefined()
  @IsInt()
  @Min(1)
  @Max(65535)
  port!: number;

  /** The peer's WireGuard public key; absent for VXLAN-only peers. */
  @OptionalField()
  @IsString()
  @Matches(WIREGUARD_KEY_PATTERN)
  public_key?: string;

  /** Set for a worker of ANOTHER cluster (learnt through the root); absent for this cluster's. */
  @OptionalField()
  @IsString()
  cluster_id?: string;
}

/**
 * Canopy: `nodes/<id>/net/peers` (cluster → worker, retained, QoS 1): every OTHER active worker
 * with a subnet, re-published whenever a worker joins, leaves or changes its tunnel facts. A full
 * list each time (level-triggered): the worker makes its tunnel match it. `revision` grows with
 * every change so a worker can ignore an older list delivered late.
 */
export class NetPeersDto {
  @IsDefined()
  @IsNonNegativeInt()
  revision!: number;

  @IsDefined()
  @NestedArray(() => NetPeerDto)
  peers!: NetPeerDto[];
}

/** Which ServiceIPs a service table carries: round-robin and closest (InstanceIPs are per instance). */
export const NetServiceIpType = { RR: 'RR', CLOSEST: 'closest' } as const;
export type NetServiceIpType = (typeof NetServiceIpType)[keyof typeof NetServiceIpType];

/** One ServiceIP of a service in `net/services` (Oakestra's `service_ip_list` entry shape). */
export class NetServiceIpDto {
  @IsDefined()
  @IsIn(Object.values(NetServiceIpType))
  IpType!: NetServiceIpType;

  @IsDefined()
  @IsString()
  Address!: string;
}

/** One instance of a service in `net/services`: where its network namespace answers. */
export class NetServiceInstanceDto {
  @IsDefined()
  @IsNonNegativeInt()
  instance_number!: number;

  /** The instance's InstanceIP; absent when the root allocated none. */
  @OptionalField()
  @IsString()
  instance_ip?: string;

  /** The namespace IP the instance's worker reported (`net/service/deployed`). */
  @IsDefined()
  @IsString()
  namespace_ip!: string;

  /** The worker the instance runs on (a worker tells its own instances from remote ones). */
  @IsDefined()
  @IsString()
  worker_id!: string;
}

/** One service in `net/services`. */
export class NetServiceEntryDto {
  @IsDefined()
  @IsString()
  job_name!: string;

  @IsDefined()
  @NestedArray(() => NetServiceIpDto)
  service_ips!: NetServiceIpDto[];

  /** Only instances whose namespace is attached (reported by their worker); never empty. */
  @IsDefined()
  @NestedArray(() => NetServiceInstanceDto)
  instances!: NetServiceInstanceDto[];
}

/**
 * Canopy: `nodes/<id>/net/services` (cluster → worker, retained, QoS 1): the service table of the
 * cluster, i.e. every service with at least one attached instance, with its ServiceIPs and the
 * namespace IPs of its instances. A full table each time (level-triggered): the worker makes its
 * DNAT rules match it. `revision` grows with every change so a late, older table is ignored.
 */
export class NetServicesDto {
  @IsDefined()
  @IsNonNegativeInt()
  revision!: number;

  @IsDefined()
  @NestedArray(() => NetServiceEntryDto)
  services!: NetServiceEntryDto[];
}
