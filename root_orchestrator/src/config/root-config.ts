import { IsBindHost, IsListenPort } from '@canopy/common';
import { AddressSpace, MAX_PASSWORD_BYTES, MIN_PASSWORD_LENGTH } from '@canopy/contracts';
import { ServerConfig } from '@canopy/server';
import { IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { IsPemOrFile, RequiresAlso } from '@canopy/common';
import { IsAddressPool, IsBlockPrefixOf } from '../network/address-pool.validator';
import {
  IsBullPrefix,
  IsCorsOrigins,
  IsDuration,
  IsPemPrivateKey,
  IsPemPublicKeyMatching,
  IsPassword,
  normalizePem,
  parseDuration,
} from './root-config.validators';

/**
 * The root orchestrator's settings, from environment variables (see README.md for the table).
 * Shared server variables (MONGO_URL, REDIS_URL, LOG_LEVEL, HTTP_BODY_LIMIT) come from ServerConfig.
 */
export class RootConfig extends ServerConfig {
  @IsBindHost()
  ROOT_HTTP_HOST: string = '0.0.0.0';

  /** Oakestra's system manager port: users, CLIs and dashboards talk REST here. */
  @IsListenPort()
  ROOT_HTTP_PORT: number = 10000;

  /** Clusters dial this gRPC port (registration and session stream; served from the next issue). */
  @IsListenPort()
  ROOT_GRPC_PORT: number = 50052;

  /**
   * Password of the bootstrap user `Admin`, used only when that user is created (first boot).
   * Unset: a random one is generated and printed once. There is never a fixed default.
   */
  @IsOptional()
  @IsPassword({
    message: `must be at least ${MIN_PASSWORD_LENGTH} characters and at most ${MAX_PASSWORD_BYTES} bytes`,
  })
  ADMIN_PASSWORD?: string;

  /** RS256 signing key (PEM, PKCS#8 or PKCS#1; `\n` escapes allowed). Unset: generated once. */
  @IsOptional()
  @IsPemPrivateKey()
  JWT_PRIVATE_KEY?: string;

  /** The public half of JWT_PRIVATE_KEY (PEM). Required exactly when JWT_PRIVATE_KEY is set. */
  @IsPemPublicKeyMatching('JWT_PRIVATE_KEY')
  JWT_PUBLIC_KEY?: string;

  /** Access token lifetime (`30s`, `10m`, `1h`, `7d`). */
  @IsDuration()
  JWT_ACCESS_TTL: string = '10m';

  /** Refresh token lifetime. */
  @IsDuration()
  JWT_REFRESH_TTL: string = '7d';

  /** bcrypt cost of stored password hashes (each +1 doubles the time of a login). */
  @IsInt()
  @Min(4)
  @Max(15)
  BCRYPT_ROUNDS: number = 10;

  /** Redis key prefix of the BullMQ queues, so several roots (or test runs) can share a Redis. */
  @IsBullPrefix()
  BULLMQ_PREFIX: string = 'canopy';

  /**
   * Origins allowed to call the API from a browser (Oakestra's dashboard runs on its own origin):
   * `*` or a comma-separated list like `https://dash.example.org,http://10.0.0.5:8080`. Tokens
   * travel in the Authorization header, never in cookies, so `*` exposes no ambient credentials.
   */
  @IsCorsOrigins()
  CORS_ORIGINS: string = '*';

  /** How often a queued scheduling job retries while it cannot place its instance. */
  @IsDuration()
  SCHEDULING_RETRY_INTERVAL: string = '30s';

  // --- Clusters (registration, sessions, failover) ---

  /** Address the cluster gRPC server binds to (port: ROOT_GRPC_PORT). */
  @IsBindHost()
  ROOT_GRPC_HOST: string = '0.0.0.0';

  /** Server certificate (PEM or file) for the cluster gRPC port; with ROOT_GRPC_TLS_KEY = TLS. */
  @IsOptional()
  @RequiresAlso(['ROOT_GRPC_TLS_KEY'])
  @IsPemOrFile()
  ROOT_GRPC_TLS_CERT?: string;

  @IsOptional()
  @RequiresAlso(['ROOT_GRPC_TLS_CERT'])
  @IsPemOrFile()
  ROOT_GRPC_TLS_KEY?: string;

  /** CA (PEM or file) client certificates must chain to: set = mutual TLS (clusters need a cert). */
  @IsOptional()
  @RequiresAlso(['ROOT_GRPC_TLS_CERT', 'ROOT_GRPC_TLS_KEY'])
  @IsPemOrFile()
  ROOT_GRPC_TLS_CA?: string;

  /** How long an inactive cluster keeps its instances before they are placed elsewhere. */
  @IsDuration()
  CLUSTER_RESCHEDULE_GRACE: string = '2m';

  /**
   * A join token accepted from boot on (reusable, no expiry), e.g. for the first local cluster
   * (deploy/local/up.sh). Stored hashed; revoking it through the API sticks across restarts.
   */
  @IsOptional()
  @IsString()
  @MinLength(20, { message: 'must be at least 20 characters' })
  ROOT_BOOTSTRAP_CLUSTER_TOKEN?: string;

  // --- Network (semantic addresses; workers must route the same blocks) ---

  /**
   * IPv4 block the round-robin and closest ServiceIPs are allocated from; an SLA's
   * `addresses.rr_ip` / `closest_ip` must lie inside it. Oakestra's 10.30.0.0/16 by default.
   */
  @IsAddressPool(4)
  SERVICE_IP_POOL: string = AddressSpace.SERVICE_IP_POOL_V4;

  /** IPv4 block InstanceIPs are allocated from (Oakestra shares one block with ServiceIPs). */
  @IsAddressPool(4)
  INSTANCE_IP_POOL: string = AddressSpace.SERVICE_IP_POOL_V4;

  /**
   * Where clusters without their own WORKER_SUBNET_POOL get one (a block of
   * CLUSTER_SUBNET_PREFIX bits each, lowest free first): the first cluster's workers get
   * 10.18.0.0/26, 10.18.0.64/26, ... as in Oakestra.
   */
  @IsAddressPool(4)
  CLUSTER_SUBNET_SPACE: string = AddressSpace.CLUSTER_SUBNET_SPACE_V4;

  /** Size of one cluster's pool: /20 = 64 workers of /26 (32 clusters in the default /15). */
  @IsBlockPrefixOf('CLUSTER_SUBNET_SPACE')
  CLUSTER_SUBNET_PREFIX: number = AddressSpace.CLUSTER_SUBNET_PREFIX_V4;

  protected get defaultMongoDatabase(): string {
    return 'canopy_root';
  }

  get jwtAccessTtlSeconds(): number {
    return Math.max(1, Math.round(parseDuration(this.JWT_ACCESS_TTL) / 1000));
  }

  get jwtRefreshTtlSeconds(): number {
    return Math.max(1, Math.round(parseDuration(this.JWT_REFRESH_TTL) / 1000));
  }

  get clusterRescheduleGraceMs(): number {
    return parseDuration(this.CLUSTER_RESCHEDULE_GRACE);
  }

  get schedulingRetryIntervalMs(): number {
    return parseDuration(this.SCHEDULING_RETRY_INTERVAL);
  }

  /** `'*'` for any origin, else the list (the `cors` package's `origin` option). */
  get corsOrigin(): '*' | string[] {
    if (this.CORS_ORIGINS.trim() === '*') return '*';
    return this.CORS_ORIGINS.split(',').map((origin) => origin.trim());
  }

  /** Both PEMs from the environment, or undefined when keys are to be generated and stored. */
  get jwtKeyPair(): { privateKeyPem: string; publicKeyPem: string } | undefined {
    if (this.JWT_PRIVATE_KEY === undefined || this.JWT_PUBLIC_KEY === undefined) return undefined;
    return {
      privateKeyPem: normalizePem(this.JWT_PRIVATE_KEY),
      publicKeyPem: normalizePem(this.JWT_PUBLIC_KEY),
    };
  }
}
