import {
  IsBindHost,
  IsHostPort,
  IsListenPort,
  IsLocation,
  IsMqttUrl,
  IsPemOrFile,
  parseLocation,
  RequiresAlso,
  type Location,
} from '@canopy/common';
import { AddressSpace } from '@canopy/contracts';
import { ServerConfig } from '@canopy/server';
import {
  IsDefined,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  MinLength,
} from 'class-validator';
import { parseSimulatedCapacity, type SimulatedCapacity } from '../report/simulated-capacity';
import {
  IsDuration,
  IsSimulatedCapacity,
  IsSubnetPool,
  parseDuration,
} from './cluster-config.validators';

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

  /**
   * Join token issued by the root (POST /api/clusters/join-tokens). Presented at every
   * registration; once registered, the cluster authenticates with the id and secret it got back.
   */
  @IsDefined({ message: 'is required (issue one at the root: POST /api/clusters/join-tokens)' })
  @IsString()
  @IsNotEmpty()
  CLUSTER_JOIN_TOKEN!: string;

  /** How often the cluster sends its report to the root (Oakestra: 15 s). */
  @IsDuration({ minMs: 100, maxMs: 10 * 60_000 })
  CLUSTER_REPORT_INTERVAL: string = '15s';

  /** First delay before reconnecting to the root; doubles per failed attempt (with jitter). */
  @IsDuration({ minMs: 10, maxMs: 60_000 })
  ROOT_RECONNECT_BASE_DELAY: string = '500ms';

  /** Upper bound of the reconnect delay. */
  @IsDuration({ minMs: 10, maxMs: 10 * 60_000 })
  ROOT_RECONNECT_MAX_DELAY: string = '30s';

  /**
   * DEV/TEST ONLY: capacity of one virtual worker, JSON
   * `{"vcpus":8,"memory":16384,"architecture":"amd64","virtualization":["docker"]}`, reported
   * until real workers can join. Unset in production.
   */
  @IsOptional()
  @IsSimulatedCapacity()
  CLUSTER_SIMULATED_CAPACITY?: string;

  /** CA certificate (PEM or file) the root's gRPC certificate must chain to; set = use TLS. */
  @IsOptional()
  @IsPemOrFile()
  ROOT_TLS_CA?: string;

  /** Client certificate (PEM or file) for mutual TLS; needs ROOT_TLS_KEY and ROOT_TLS_CA. */
  @IsOptional()
  @RequiresAlso(['ROOT_TLS_KEY', 'ROOT_TLS_CA'])
  @IsPemOrFile()
  ROOT_TLS_CERT?: string;

  /** Private key (PEM or file) of ROOT_TLS_CERT. */
  @IsOptional()
  @RequiresAlso(['ROOT_TLS_CERT'])
  @IsPemOrFile()
  ROOT_TLS_KEY?: string;

  /**
   * Token workers present at `POST /api/node/register` (worker config `join_token`). Anyone
   * holding it can add a worker to this cluster: treat it as a secret.
   */
  @IsDefined({ message: 'is required (the token workers present when they join)' })
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters (it is a secret)' })
  WORKER_JOIN_TOKEN!: string;

  /** MQTT port handed to workers at registration; default: the port of MQTT_URL. */
  @IsOptional()
  @IsListenPort()
  WORKER_MQTT_PORT?: number;

  /** A worker silent (no `information`) this long is inactive: no new placements on it. */
  @IsDuration({ minMs: 500, maxMs: 10 * 60_000 })
  WORKER_TIMEOUT: string = '10s';

  /**
   * A worker inactive for longer than this is lost: its instances are placed on other workers
   * (and its stale copies removed if it comes back). Shorter = faster healing; longer = fewer
   * moves for workers that only reboot or lose the network briefly.
   */
  @IsDuration({ minMs: 1_000, maxMs: 24 * 3_600_000 })
  WORKER_RESCHEDULE_GRACE: string = '1m';

  /**
   * How often workers' free amounts are checked against their instances' reservations; a
   * difference unchanged for RESERVATION_LEAK_AGE (a reservation leaked by a crash) is repaired.
   */
  @IsDuration({ minMs: 100, maxMs: 24 * 3_600_000 })
  RESERVATION_AUDIT_INTERVAL: string = '30s';

  /**
   * How long a worker's free amounts must disagree, unchanged, with its instances' reservations
   * before the difference counts as leaked and is repaired (the second write of a reservation is
   * assumed to follow the first well within this).
   */
  @IsDuration({ minMs: 100, maxMs: 24 * 3_600_000 })
  RESERVATION_LEAK_AGE: string = '5m';

  /** How often an instance no worker can take yet is tried again. */
  @IsDuration({ minMs: 100, maxMs: 10 * 60_000 })
  CLUSTER_SCHEDULING_RETRY_INTERVAL: string = '5s';

  /**
   * Pool the workers' subnets are cut from (reference §7.1: /26 steps from 10.18.0.0). Empty (the
   * default): the root assigns this cluster a pool of its own at the first session (disjoint from
   * every other cluster's, so tunnels between clusters work) and the cluster keeps it.
   */
  @IsSubnetPool()
  WORKER_SUBNET_POOL: string = '';

  /** Prefix length of one worker subnet (its instances' namespace IPs come from it). */
  @IsInt({ message: 'must be an integer prefix length such as 26' })
  WORKER_SUBNET_PREFIX: number = AddressSpace.WORKER_SUBNET_PREFIX_V4;

  /** BullMQ key prefix, so several clusters (and the root) can share one Redis. */
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/, { message: 'must be 1-64 letters, digits, _ or -' })
  BULLMQ_PREFIX: string = 'canopy-cluster';

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

  get reportIntervalMs(): number {
    return parseDuration(this.CLUSTER_REPORT_INTERVAL);
  }

  get reconnectBaseDelayMs(): number {
    return parseDuration(this.ROOT_RECONNECT_BASE_DELAY);
  }

  get reconnectMaxDelayMs(): number {
    return Math.max(this.reconnectBaseDelayMs, parseDuration(this.ROOT_RECONNECT_MAX_DELAY));
  }

  get workerTimeoutMs(): number {
    return parseDuration(this.WORKER_TIMEOUT);
  }

  get workerRescheduleGraceMs(): number {
    return parseDuration(this.WORKER_RESCHEDULE_GRACE);
  }

  get reservationAuditIntervalMs(): number {
    return parseDuration(this.RESERVATION_AUDIT_INTERVAL);
  }

  get reservationLeakAgeMs(): number {
    return parseDuration(this.RESERVATION_LEAK_AGE);
  }

  get schedulingRetryIntervalMs(): number {
    return parseDuration(this.CLUSTER_SCHEDULING_RETRY_INTERVAL);
  }

  /** Port workers dial for MQTT. */
  get workerMqttPort(): number {
    if (this.WORKER_MQTT_PORT !== undefined) return this.WORKER_MQTT_PORT;
    const port = new URL(this.MQTT_URL).port;
    return port === '' ? (this.MQTT_URL.startsWith('mqtts:') ? 8883 : 1883) : Number(port);
  }

  /** BullMQ prefix of this cluster's queues (one namespace per cluster name). */
  get bullmqPrefix(): string {
    return `${this.BULLMQ_PREFIX}-${this.CLUSTER_NAME}`;
  }

  /** CLUSTER_SIMULATED_CAPACITY parsed; undefined when not configured. */
  get simulatedCapacity(): SimulatedCapacity | undefined {
    if (this.CLUSTER_SIMULATED_CAPACITY === undefined) return undefined;
    const parsed = parseSimulatedCapacity(this.CLUSTER_SIMULATED_CAPACITY);
    return parsed.ok ? parsed.value : undefined;
  }

  /** One database per cluster, so several clusters can share one MongoDB server. */
  protected get defaultMongoDatabase(): string {
    return `canopy_cluster_${this.CLUSTER_NAME}`;
  }
}
