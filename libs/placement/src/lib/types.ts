import type { ConstraintType } from '@canopy/contracts';

/** Where a placement runs: the root chooses a cluster, a cluster chooses a worker. */
export type Tier = 'root' | 'cluster';

/** What a tier chooses among. */
export type CandidateKind = 'cluster' | 'worker';

/** The resources a workload reserves, and the unit of every capacity comparison. */
export interface ResourceAmounts {
  /** Cores. */
  readonly vcpus: number;
  /** MB. */
  readonly memory: number;
  readonly vgpus: number;
}

/**
 * What a candidate (or one architecture of a cluster) can still offer. `vcpus`, `memory` and
 * `vgpus` are AVAILABLE amounts (after what is already reserved or used); `cpu_percent` and
 * `memory_percent` are the reported utilisation, 0..100 (used by the spread scorer only).
 */
export interface CapacityView extends ResourceAmounts {
  readonly cpu_percent: number;
  readonly memory_percent: number;
}

/** Degrees, WGS84. */
export interface GeoPoint {
  readonly lat: number;
  readonly long: number;
}

/**
 * A label value a candidate offers. A worker has one value per key; a cluster's aggregated
 * view may list every value its workers offer (`{ zone: ['hall-1', 'hall-2'] }`), which makes
 * the root's check a necessary condition, like every other aggregated filter.
 */
export type LabelValue = string | readonly string[];

/**
 * One placement candidate: a cluster (root tier, built from the aggregated report,
 * reference/oakestra.md §4.3) or a worker (cluster tier, from its `information` reports).
 */
export interface CandidateView {
  readonly id: string;
  /** Cluster name (root) or worker hostname (cluster): what `direct` constraints name. */
  readonly name: string;
  readonly kind: CandidateKind;
  /** False for a worker silent > 30 s or a cluster whose session is down. */
  readonly active: boolean;
  readonly location?: GeoPoint;
  /** Whole candidate: a worker's free resources, or the sum over a cluster's active workers. */
  readonly capacity: CapacityView;
  /** Runtimes, stored spelling (`docker`, `unikernel`, `runsc`, ...). */
  readonly virtualization: readonly string[];
  /** A worker's GOARCH (`amd64`, `arm64`); for a cluster, set only if all its workers share it. */
  readonly architecture?: string;
  /**
   * Cluster only: the same aggregate per architecture (`aggregation_per_architecture`), so two
   * arm64 workers with 1 GB each and one amd64 worker with 4 GB are not seen as one 6 GB
   * machine. When present, architecture and resource checks use it instead of `capacity`.
   */
  readonly aggregation_per_architecture?: Readonly<Record<string, CapacityView>>;
  readonly supported_addons: readonly string[];
  readonly csi_drivers: readonly string[];
  /** Canopy addition. */
  readonly labels: Readonly<Record<string, LabelValue>>;
}

/**
 * One SLA placement constraint, structurally compatible with `SlaConstraintDto` so a stored
 * service's `constraints` can be passed as they are.
 */
export interface WorkloadConstraint {
  readonly type: ConstraintType;
  /** direct: cluster name (checked at the root). */
  readonly cluster?: string;
  /** direct: worker hostname(s), `a;b` (checked at the cluster; the root passes it through). */
  readonly node?: string;
  /** geo (and latency): `"lat,long"` in degrees. */
  readonly location?: string;
  /** geo: maximum great-circle distance in km. latency: ms (not enforced). */
  readonly threshold?: number;
  /** addons: required addons. */
  readonly needs?: readonly string[];
  /** clusters: allowed cluster names. */
  readonly allowed?: readonly string[];
}

/** What to place: the scheduling-relevant part of an SLA microservice / stored service job. */
export interface WorkloadSpec {
  /** Stored spelling (`docker`); the SLA spelling `container` is accepted and normalised. */
  readonly virtualization: string;
  /** Acceptable architectures (unikernel kernels); absent or empty = any. */
  readonly arch?: readonly string[];
  readonly vcpus: number;
  /** MB. */
  readonly memory: number;
  readonly vgpus?: number;
  readonly constraints?: readonly WorkloadConstraint[];
  /** Canopy addition: every label must be offered by the candidate with this exact value. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Only the CSI driver matters for placement (structurally compatible with `SlaVolumeDto`). */
  readonly volumes?: readonly { readonly csi_driver: string }[];
}
