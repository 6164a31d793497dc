import type { CandidateKind } from './types';
import type { CompiledWorkload } from './workload';

/** Why a candidate was rejected. Filters return one of these (custom filters may add codes). */
export const RejectionReason = {
  INACTIVE: 'inactive',
  VIRTUALIZATION: 'virtualization',
  ARCHITECTURE: 'architecture',
  INSUFFICIENT_CPU: 'insufficient_cpu',
  INSUFFICIENT_MEMORY: 'insufficient_memory',
  INSUFFICIENT_GPU: 'insufficient_gpu',
  /** Each resource exists on some architecture, but no single one has all of them. */
  INSUFFICIENT_RESOURCES: 'insufficient_resources',
  DIRECT: 'direct',
  CLUSTERS: 'clusters',
  NO_LOCATION: 'no_location',
  GEO: 'geo',
  LABELS: 'labels',
  ADDONS: 'addons',
  VOLUMES: 'volumes',
  /** The workload itself is malformed (see compileWorkload); every candidate counts. */
  INVALID_WORKLOAD: 'invalid_workload',
} as const;
export type RejectionReason = (typeof RejectionReason)[keyof typeof RejectionReason];
/** A built-in reason or a custom filter's code. */
export type ReasonCode = RejectionReason | (string & {});

/** Rejections that only mean "full right now": the candidate is otherwise qualified. */
export const CAPACITY_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  RejectionReason.INSUFFICIENT_CPU,
  RejectionReason.INSUFFICIENT_MEMORY,
  RejectionReason.INSUFFICIENT_GPU,
  RejectionReason.INSUFFICIENT_RESOURCES,
]);

type Phrase = (plural: boolean, workload: CompiledWorkload | undefined) => string;
const verb =
  (one: string, other: string): Phrase =>
  (plural) =>
    plural ? other : one;

/** What follows the count in the readable detail, e.g. "2 lack memory", "1 is inactive". */
const PHRASES: Readonly<Record<RejectionReason, Phrase>> = {
  inactive: verb('is inactive', 'are inactive'),
  virtualization: (plural, w) =>
    `${plural ? 'lack' : 'lacks'} the ${w?.virtualization ?? 'required'} runtime`,
  architecture: () => 'wrong architecture',
  insufficient_cpu: verb('lacks CPU', 'lack CPU'),
  insufficient_memory: verb('lacks memory', 'lack memory'),
  insufficient_gpu: verb('lacks GPUs', 'lack GPUs'),
  insufficient_resources: verb('fits on no single architecture', 'fit on no single architecture'),
  direct: verb('is not named by the direct constraint', 'are not named by the direct constraint'),
  clusters: verb('is not an allowed cluster', 'are not allowed clusters'),
  no_location: verb('has no location', 'have no location'),
  geo: verb('is too far away', 'are too far away'),
  labels: verb('lacks required labels', 'lack required labels'),
  addons: verb('lacks required addons', 'lack required addons'),
  volumes: verb('lacks CSI drivers', 'lack CSI drivers'),
  invalid_workload: () => 'cannot take an invalid workload',
};

const REASON_ORDER: readonly string[] = Object.values(RejectionReason);

/** "1 worker", "3 clusters", "no clusters". */
export function countNoun(count: number, kind: CandidateKind): string {
  if (count === 0) return `no ${kind}s`;
  return `${count} ${kind}${count === 1 ? '' : 's'}`;
}

/** The phrase after a count for one reason; unknown codes read "rejected by <code>". */
export function reasonPhrase(
  reason: ReasonCode,
  count: number,
  workload?: CompiledWorkload,
): string {
  const phrase = (PHRASES as Readonly<Record<string, Phrase | undefined>>)[reason];
  return phrase ? phrase(count !== 1, workload) : `rejected by ${reason}`;
}

const orderOf = (reason: string): number => {
  const index = REASON_ORDER.indexOf(reason);
  return index < 0 ? REASON_ORDER.length : index;
};

/**
 * Readable summary of why nothing (or not everything) fits, most frequent reason first (ties in
 * filter order, then by code): `"3 clusters: 2 lack memory, 1 wrong architecture"`.
 */
export function describeRejections(
  rejections: Readonly<Record<string, number>>,
  total: number,
  kind: CandidateKind,
  workload?: CompiledWorkload,
): string {
  if (total === 0) return `${countNoun(0, kind)} to choose from`;
  const parts = Object.entries(rejections)
    .filter(([, count]) => count > 0)
    .sort(([a, ca], [b, cb]) => cb - ca || orderOf(a) - orderOf(b) || (a < b ? -1 : a > b ? 1 : 0))
    .map(([reason, count]) => `${count} ${reasonPhrase(reason, count, workload)}`);
  return parts.length === 0
    ? countNoun(total, kind)
    : `${countNoun(total, kind)}: ${parts.join(', ')}`;
}
