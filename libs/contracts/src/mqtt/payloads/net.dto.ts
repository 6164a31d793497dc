import { IsDefined, IsIn, IsString } from 'class-validator';
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

export const ServiceIpType = { RR: 'RR', INSTANCE_IP: 'instance_ip' } as const;
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
