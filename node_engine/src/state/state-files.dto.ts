import { Type } from 'class-transformer';
import {
  IsArray,
  IsDefined,
  IsIn,
  IsInt,
  IsIP,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  DEPLOYMENT_STATUSES,
  NetPeerDto,
  WIREGUARD_KEY_PATTERN,
  type DeploymentStatus,
} from '@canopy/contracts';

/**
 * Shapes of the files in the state dir, validated when read (a file edited by hand or cut short
 * by a full disk must be recognised as corrupt, not half-trusted). Version 1.
 */
export const STATE_FILE_VERSION = 1;

export class IdentityFile {
  @IsIn([STATE_FILE_VERSION])
  version!: number;

  /** Worker id assigned by the cluster: `<id>` in `nodes/<id>/...`. */
  @IsString()
  @IsNotEmpty()
  node_id!: string;

  @IsString()
  node_name!: string;

  @IsString()
  cluster_address!: string;

  @IsInt()
  cluster_port!: number;

  @IsInt()
  @Min(1)
  @Max(65535)
  mqtt_broker_port!: number;

  @IsString()
  registered_at!: string;

  /** CIDR of the worker's subnet (Canopy clusters assign one at registration). */
  @IsOptional()
  @IsString()
  subnetwork?: string;
}

/** Mode 0600: the broker password is a secret. */
export class CredentialsFile {
  @IsIn([STATE_FILE_VERSION])
  version!: number;

  @IsString()
  @IsNotEmpty()
  node_id!: string;

  @IsOptional()
  @IsString()
  mqtt_username?: string;

  @IsOptional()
  @IsString()
  mqtt_password?: string;
}

export class FinishedEntry {
  @IsIn(['COMPLETED', 'DEAD'])
  status!: 'COMPLETED' | 'DEAD';

  @IsInt()
  exit_code!: number;

  @IsString()
  at!: string;
}

export class DesiredEntry {
  /** The deploy message as kept (InstanceSpec); re-validated with ControlDeployDto on load. */
  @IsDefined()
  @IsObject()
  deploy!: Record<string, unknown>;

  @IsString()
  received_at!: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => FinishedEntry)
  finished?: FinishedEntry;
}

export class TombstoneEntry {
  @IsString()
  @IsNotEmpty()
  key!: string;

  @IsInt()
  @Min(0)
  generation!: number;

  @IsString()
  at!: string;

  /** Service id of the deleted instance (see Tombstone.serviceId); absent in older files. */
  @IsOptional()
  @IsString()
  service_id?: string;
}

/** Mode 0600: environment entries of the SLA may carry secrets. */
export class DesiredFile {
  @IsIn([STATE_FILE_VERSION])
  version!: number;

  @IsString()
  node_id!: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => DesiredEntry)
  instances!: DesiredEntry[];

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => TombstoneEntry)
  tombstones!: TombstoneEntry[];
}

export class InstanceStatusEntry {
  @IsString()
  job_name!: string;

  @IsInt()
  instance_number!: number;

  @IsIn(DEPLOYMENT_STATUSES)
  status!: DeploymentStatus;

  @IsOptional()
  @IsString()
  status_detail?: string;

  @IsOptional()
  @IsInt()
  generation?: number;

  @IsOptional()
  @IsInt()
  restart_count?: number;

  @IsString()
  at!: string;
}

/** Written on status changes and at most every 30 s; read by `canopy-node status`. */
export class StatusFile {
  @IsIn([STATE_FILE_VERSION])
  version!: number;

  @IsOptional()
  @IsString()
  last_report_at?: string;

  @IsOptional()
  @IsString()
  mqtt_connected_at?: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => InstanceStatusEntry)
  instances!: InstanceStatusEntry[];
}

export class NamespaceIpEntry {
  /** Instance key `<job_name>#<instance_number>`. */
  @IsString()
  @IsNotEmpty()
  key!: string;

  @IsIP(4)
  ip!: string;
}

/**
 * `network.json`, mode 0600 (holds the WireGuard private key): the worker's tunnel key pair,
 * the namespace IP of each instance (stable across agent and container restarts) and the last
 * peer list applied (`nodes/<id>/net/peers`). Only written with `network.enabled`.
 */
export class NetworkFile {
  @IsIn([STATE_FILE_VERSION])
  version!: number;

  @IsString()
  @Matches(WIREGUARD_KEY_PATTERN)
  private_key!: string;

  @IsString()
  @Matches(WIREGUARD_KEY_PATTERN)
  public_key!: string;

  /** The subnet the allocations belong to (a new subnet drops them). */
  @IsOptional()
  @IsString()
  subnet?: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => NamespaceIpEntry)
  namespace_ips!: NamespaceIpEntry[];

  /** Revision of the last peer list applied; absent before the first one. */
  @IsOptional()
  @IsInt()
  @Min(0)
  peers_revision?: number;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => NetPeerDto)
  peers!: NetPeerDto[];
}
