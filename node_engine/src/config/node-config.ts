import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsIP,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { DefaultPort, TunnelBackend } from '@canopy/contracts';
import { IsStringMap } from './is-string-map.validator';

export const DEFAULT_NODE_CONFIG_PATH = '/etc/canopy/node.json';

export class NodeLocation {
  @IsNumber()
  @Min(-90)
  @Max(90)
  lat!: number;

  @IsNumber()
  @Min(-180)
  @Max(180)
  long!: number;
}

/** Container runtime options (`runtime` in the config file). */
export class RuntimeOptions {
  /** Docker engine API socket. */
  @IsString()
  @Matches(/^\//, { message: 'docker_socket must be an absolute path' })
  docker_socket = '/var/run/docker.sock';

  /**
   * Whether an SLA's `privileged: true` is honoured. Off by default: a privileged container owns
   * the host, so the worker's operator must opt in.
   */
  @IsBoolean()
  allow_privileged = false;

  /** Longest wait between restarts of a crashing service (exponential backoff from 1 s). */
  @IsInt()
  @Min(1)
  @Max(3600)
  restart_backoff_max_seconds: number = 60;

  /**
   * Grace between SIGTERM and SIGKILL when an instance is removed or replaced (Docker's default
   * is 10 s; a process running as PID 1 without a TERM handler always needs all of it).
   */
  @IsInt()
  @Min(0)
  @Max(600)
  stop_timeout_seconds: number = 10;

  /** Period of the level-triggered reconcile pass (it also runs on every change). */
  @IsInt()
  @Min(1)
  @Max(300)
  reconcile_interval_seconds: number = 5;
}

/**
 * What this worker offers to workloads (`resources` in the config file). The cluster reserves
 * SLA vcpus/memory against these amounts and never commits more; unset = the whole machine
 * (cores; total memory minus a system reserve, see allocatableMemoryMb).
 */
export class ResourceLimits {
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(4096)
  vcpus?: number;

  /** MB. */
  @IsOptional()
  @IsInt()
  @Min(16)
  memory?: number;
}

/** Linux interface names: 1-15 of letters, digits, `_.-` (what the net manager accepts). */
const IFNAME = /^(?!\.{1,2}$)[A-Za-z0-9_.-]{1,15}$/;

/** Default tunnel interface per backend (interface names are global: unique per host). */
export const DEFAULT_TUNNEL_INTERFACE: Readonly<Record<TunnelBackend, string>> = {
  wireguard: 'cnp-wg0',
  vxlan: 'cnp-vx0',
};

/** The worker's bridge unless configured; other names also rename its nftables table. */
export const DEFAULT_BRIDGE = 'canopy0';

/**
 * The worker data plane (`network` in the config file, issue 6): a bridge holding the worker's
 * subnet, one veth per instance, a tunnel to the other workers. With `enabled: false` containers
 * use Docker's own networking and port publishing.
 */
export class NetworkOptions {
  /**
   * `auto` (default): on when this host has what the data plane needs (root, iproute2, nftables,
   * WireGuard for that backend), else off with a warning naming what is missing.
   */
  @IsIn([true, false, 'auto'], { message: 'enabled must be true, false or "auto"' })
  enabled: boolean | 'auto' = 'auto';

  @IsIn(Object.values(TunnelBackend))
  backend: TunnelBackend = TunnelBackend.WIREGUARD;

  /** UDP port of the tunnel (sent to the cluster as `tunnel_port`). */
  @IsInt()
  @Min(1)
  @Max(65535)
  tunnel_port: number = DefaultPort.TUNNEL_UDP;

  /** Tunnel interface; default `cnp-wg0` (wireguard) or `cnp-vx0` (vxlan). */
  @IsOptional()
  @IsString()
  @Matches(IFNAME, { message: 'interface must be an interface name (1-15 of A-Z a-z 0-9 _ . -)' })
  interface?: string;

  /** The worker's bridge (gateway = first address of the worker subnet). */
  @IsString()
  @Matches(IFNAME, { message: 'bridge must be an interface name (1-15 of A-Z a-z 0-9 _ . -)' })
  bridge = DEFAULT_BRIDGE;

  /** Address other workers reach this one at, and port mappings listen on; default: the `ip` fact. */
  @IsOptional()
  @IsIP(4, { message: 'underlay_address must be an IPv4 address' })
  underlay_address?: string;

  /**
   * A service of another cluster learnt by a table query is forgotten (DNAT rules removed,
   * `net/interest/remove` sent) after this long without a new connection to it, unless an
   * instance of it runs on this worker.
   */
  @IsInt()
  @Min(1)
  @Max(86_400)
  interest_ttl_seconds: number = 60;

  /**
   * A statically linked busybox on this host (Debian: busybox-static), mounted into each
   * container to hold its command until its network is attached. Empty, missing or not static:
   * containers start at once (a warning at start) and may run briefly without their network.
   */
  @IsString()
  @Matches(/^(\/.*)?$/, {
    message: 'gate_binary must be an absolute path, or empty to turn the gate off',
  })
  gate_binary = '/bin/busybox';
}

/** The tunnel interface in effect (configured, else the backend's default). */
export function tunnelInterface(network: NetworkOptions): string {
  return network.interface ?? DEFAULT_TUNNEL_INTERFACE[network.backend];
}

/**
 * The worker agent's configuration file (default /etc/canopy/node.json). Field names follow
 * Oakestra's /etc/oakestra/conf.json where one exists (cluster_address, cluster_port, app_logs),
 * so an Oakestra operator recognises them.
 */
export class NodeConfig {
  @IsString()
  @IsNotEmpty({ message: 'cluster_address is required: the cluster orchestrator host or IP' })
  @Matches(/^[A-Za-z0-9.:[\]-]+$/, { message: 'cluster_address must be a host name or IP address' })
  cluster_address!: string;

  @IsInt()
  @Min(1)
  @Max(65535)
  cluster_port: number = DefaultPort.CLUSTER_HTTP;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  join_token?: string;

  @IsString()
  @Matches(/^\//, { message: 'state_dir must be an absolute path' })
  state_dir = '/var/lib/canopy/node';

  @IsString()
  @Matches(/^\//, { message: 'app_logs must be an absolute path' })
  app_logs = '/var/log/canopy/apps';

  @IsObject()
  @IsStringMap({ message: 'labels must map label names ([A-Za-z0-9._/-], ≤63 chars) to strings' })
  labels: Record<string, string> = {};

  @IsOptional()
  @ValidateNested()
  @Type(() => NodeLocation)
  location?: NodeLocation;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace'])
  log_level = 'info';

  /**
   * The name this worker registers with (Oakestra's `host`); default: the machine's hostname.
   * Set it when several workers share one machine (tests), since clusters key workers by it.
   */
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, {
    message: 'node_name must be 1-63 letters, digits, ".", "_" or "-"',
  })
  node_name?: string;

  @ValidateNested()
  @Type(() => RuntimeOptions)
  runtime: RuntimeOptions = new RuntimeOptions();

  @ValidateNested()
  @Type(() => ResourceLimits)
  resources: ResourceLimits = new ResourceLimits();

  @ValidateNested()
  @Type(() => NetworkOptions)
  network: NetworkOptions = new NetworkOptions();
}
