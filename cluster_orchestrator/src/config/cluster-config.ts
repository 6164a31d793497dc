import {
  IsBindHost,
  IsHostPort,
  IsListenPort,
  IsLocation,
  IsMqttUrl,
  parseLocation,
  type Location,
} from '@canopy/common';
import { ServerConfig } from '@canopy/server';
import { IsDefined, IsOptional, IsString, Matches } from 'class-validator';

export const CLUSTER_NAME_PATTERN = /^[a-zA-Z0-9-]{1,30}$/;

/**
 * The cluster orchestrator's settings, from environment variables (see README.md for the table).
 * Shared server variables (MONGO_URL, REDIS_URL, LOG_LEVEL, HTTP_BODY_LIMIT) come from ServerConfig.
 */
export class ClusterConfig extends ServerConfig {
  /** Oakestra's cluster_name: unique per root, also used in MQTT client ids and the database name. */
  @IsDefined({ message: 'is required' })
  @Matches(CLUSTER_NAME_PATTERN, { message: 'must be 1-30 letters, digits or dashes' })
  CLUSTER_NAME!: string;

  /** Oakestra's cluster_location, `lat,long,radius` (degrees, degrees, km), for geo placement. */
  @IsOptional()
  @IsLocation()
  CLUSTER_LOCATION?: string;

  @IsBindHost()
  CLUSTER_HTTP_HOST: string = '0.0.0.0';

  /** Workers' handshake (`POST /api/node/register`) and operators' API. */
  @IsListenPort()
  CLUSTER_HTTP_PORT: number = 10100;

  /** gRPC address of the root; the cluster dials it (so clusters behind NAT work). */
  @IsHostPort()
  ROOT_URL: string = '127.0.0.1:50052';

  /** Issued by the root; optional until cluster registration lands. */
  @IsOptional()
  @IsString()
  CLUSTER_JOIN_TOKEN?: string;

  @IsDefined({ message: 'is required' })
  @IsMqttUrl()
  MQTT_URL!: string;

  @IsOptional()
  @IsString()
  MQTT_USERNAME?: string;

  @IsOptional()
  @IsString()
  MQTT_PASSWORD?: string;

  /** CLUSTER_LOCATION parsed; undefined when not configured. */
  get location(): Location | undefined {
    if (this.CLUSTER_LOCATION === undefined) return undefined;
    const parsed = parseLocation(this.CLUSTER_LOCATION);
    return 'error' in parsed ? undefined : parsed;
  }

  /** One database per cluster, so several clusters can share one MongoDB server. */
  protected get defaultMongoDatabase(): string {
    return `canopy_cluster_${this.CLUSTER_NAME}`;
  }
}
