import { IsInt, IsString, Max, MaxLength, Min } from 'class-validator';
import { OptionalField } from '../validation/validators';

/**
 * The root's cluster registry over REST. `CLUSTERS` and `CLUSTERS_ACTIVE` are Oakestra's
 * (reference §2, no authentication, Oakestra's mapped field names); the join-token routes are
 * Canopy's (Admin only).
 */
export const ClusterRegistryRoute = {
  /** GET: every registered cluster (Oakestra's mapped fields, see ClusterView). */
  CLUSTERS: '/api/clusters/',
  /** GET: the active clusters only. */
  CLUSTERS_ACTIVE: '/api/clusters/active',
  /**
   * DELETE (Admin): forget a cluster (its session is closed, its instances are placed elsewhere).
   * Needed when a cluster lost its stored identity and must join again under the same name.
   */
  CLUSTER: '/api/clusters/:cluster_id',
  /** POST (Admin): issue a join token (shown once); GET (Admin): list them (never the token). */
  JOIN_TOKENS: '/api/clusters/join-tokens',
  /** DELETE (Admin): revoke a join token. Clusters that joined with it stay registered. */
  JOIN_TOKEN: '/api/clusters/join-tokens/:token_id',
} as const;
export type ClusterRegistryRoute = (typeof ClusterRegistryRoute)[keyof typeof ClusterRegistryRoute];

/** Default lifetime of a join token created without `ttl_seconds`: one day. */
export const DEFAULT_JOIN_TOKEN_TTL_SECONDS = 86_400;
export const MAX_JOIN_TOKEN_TTL_SECONDS = 366 * 86_400;
export const MAX_JOIN_TOKEN_USES = 10_000;

/** POST /api/clusters/join-tokens. Every field is optional: `{}` issues a one-use, one-day token. */
export class CreateJoinTokenDto {
  /** Free text for operators ("hall 2 gateway"). */
  @OptionalField()
  @IsString()
  @MaxLength(200)
  description?: string;

  /** How many clusters may register with it (default 1). */
  @OptionalField()
  @IsInt()
  @Min(1)
  @Max(MAX_JOIN_TOKEN_USES)
  max_uses?: number;

  /** Lifetime in seconds (default one day); 0 = never expires. */
  @OptionalField()
  @IsInt()
  @Min(0)
  @Max(MAX_JOIN_TOKEN_TTL_SECONDS)
  ttl_seconds?: number;
}

/** A join token as listed (the token itself is never shown again after creation). */
export interface JoinTokenView {
  id: string;
  description: string;
  max_uses: number | null;
  uses: number;
  /** ISO 8601. */
  created_at: string;
  created_by: string;
  expires_at: string | null;
  revoked_at: string | null;
  /** `active`, `revoked`, `expired` or `used_up`. */
  state: JoinTokenState;
  /** Ids of the clusters that registered with it. */
  clusters: string[];
}

export type JoinTokenState = 'active' | 'revoked' | 'expired' | 'used_up';

/** The answer to POST: the view plus the token, shown this once. */
export interface CreatedJoinTokenView extends JoinTokenView {
  token: string;
}

/**
 * One cluster in GET /api/clusters/ (Oakestra's resource-abstractor fields, reference §2 and
 * §4.3). Aggregates are what the cluster last reported; `memory_in_mb` and `total_cpu_cores`
 * are AVAILABLE amounts, as in Oakestra.
 */
export interface ClusterView {
  _id: string;
  cluster_name: string;
  /** `lat,long,radius` as the cluster configured it ('' when unset). */
  cluster_location: string;
  ip: string;
  port: number;
  active: boolean;
  active_nodes: number;
  aggregated_cpu_percent: number;
  aggregated_memory_percent: number;
  memory_in_mb: number;
  total_cpu_cores: number;
  total_gpu_cores: number;
  total_gpu_percent: number;
  virtualization: string[];
  supported_addons: string[];
  csi_drivers: string[];
  /** Per worker architecture, the same aggregate as the cluster reports it (ResourceAggregate). */
  aggregation_per_architecture: Record<string, Record<string, unknown>>;
  /** Seconds since the epoch of the last report (Oakestra's unit); 0 before the first one. */
  last_modified_timestamp: number;
  /** Canopy: whether the cluster's session stream is open right now. */
  connected: boolean;
  /** Canopy: ISO 8601 time since when the cluster counts as inactive; null while active. */
  inactive_since: string | null;
  /** Canopy: ISO 8601. */
  registered_at: string;
  /** Canopy: the report period the cluster announced, ms. */
  report_interval_ms: number;
  /** Canopy: the worker subnet pool the cluster announced ('' for clusters that announce none). */
  worker_subnet_pool: string;
  /**
   * Canopy: why the cluster is kept out of the hierarchy's network (no tunnels or service tables
   * across clusters), e.g. its pool overlaps another cluster's; null when it takes part.
   */
  network_problem: string | null;
}
