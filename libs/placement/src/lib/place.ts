import type { ValidationIssue } from '@canopy/contracts';
import { combineCapacities, eligibleSlots, hasPerArchitecture } from './architecture';
import type { FilterPlugin, Verdict } from './filters';
import { candidateKindOf, type Profile } from './profiles';
import { describeRejections, RejectionReason, type ReasonCode } from './reasons';
import { fitsAfterReservation } from './reservation';
import { compareByNameThenId, type FeasibleCandidate } from './scorers';
import type { CandidateView, Tier, WorkloadSpec } from './types';
import { compileWorkload, type CompiledWorkload } from './workload';

export interface PlacementOptions {
  /**
   * Picks which feasible candidates are scored when the profile's `maxCandidates` is smaller
   * than the feasible set (e.g. the service id, so different services sample different
   * subsets and concurrent schedulers collide less). Default `''`.
   */
  readonly seed?: string;
  /** Also return every scored candidate, best first (the root's cluster priority list). */
  readonly rank?: boolean;
}

export interface ScoredCandidate {
  readonly candidate: CandidateView;
  /** Weighted mean of the scorers, 0..100. */
  readonly score: number;
  /** Each scorer's own 0..100 score, by scorer name. */
  readonly breakdown: Readonly<Record<string, number>>;
}

/** Counts per rejection reason (first failing filter per candidate; see Verdict.capacity). */
export type Rejections = Readonly<Partial<Record<ReasonCode, number>>>;

export interface PlacementSuccess extends ScoredCandidate {
  readonly placed: true;
  readonly total: number;
  /** Candidates that passed every filter. */
  readonly feasible: number;
  /** Candidates actually scored (≤ feasible when the profile sets maxCandidates). */
  readonly scored: number;
  readonly rejections: Rejections;
  /** Present when `options.rank`: every scored candidate, best first (winner at 0). */
  readonly ranked?: readonly ScoredCandidate[];
}

/** What the `direct` constraint named at this tier and how many of them were seen. */
export interface DirectTargetSummary {
  /** Cluster name(s) at the root, worker names at the cluster tier. */
  readonly names: readonly string[];
  /** Candidates whose name is one of `names`, in any state. */
  readonly found: number;
  /** Of those, the active ones. */
  readonly active: number;
}

export interface PlacementFailure {
  readonly placed: false;
  readonly tier: Tier;
  readonly total: number;
  readonly rejections: Rejections;
  /** Candidates rejected only for lack of free resources (otherwise qualified). */
  readonly capacityOnly: number;
  /** Readable summary, e.g. `3 clusters: 2 lack memory, 1 wrong architecture`. */
  readonly detail: string;
  /** One example message per reason, e.g. `{ insufficient_memory: 'w1: needs 512 MB memory, has 256 MB' }`. */
  readonly messages: Readonly<Partial<Record<ReasonCode, string>>>;
  /** Set when a `direct` constraint names targets at this tier. */
  readonly direct?: DirectTargetSummary;
  /** Set when the workload itself is invalid (every candidate then counts as `invalid_workload`). */
  readonly errors?: readonly ValidationIssue[];
}

export type PlacementResult = PlacementSuccess | PlacementFailure;

/**
 * First failing filter wins, except that a capacity rejection does not stop the chain: if a
 * later filter rejects the candidate for a qualification reason, that reason is reported.
 */
function judge(
  filters: readonly FilterPlugin[],
  workload: CompiledWorkload,
  candidate: CandidateView,
): Verdict {
  let capacityVerdict: Verdict | undefined;
  for (const plugin of filters) {
    const verdict = plugin.filter(workload, candidate);
    if (verdict.ok) continue;
    if (!verdict.capacity) return verdict;
    capacityVerdict ??= verdict;
  }
  return capacityVerdict ?? { ok: true };
}

/** The capacity a feasible candidate offers this workload (fitting architectures combined). */
function effectiveCapacity(workload: CompiledWorkload, candidate: CandidateView) {
  if (!hasPerArchitecture(candidate)) return candidate.capacity; // passed the filters: it fits
  const fitting = eligibleSlots(candidate, workload.archs)
    .filter((slot) => fitsAfterReservation(slot.capacity, workload.reservation))
    .map((slot) => slot.capacity);
  return fitting.length > 0 ? combineCapacities(fitting) : candidate.capacity;
}

const FNV_OFFSET_BASIS = 0x811c9dc5;

/**
 * 32-bit FNV-1a of `text`, continuing from `basis` (so `fnv1a(b, fnv1a(a))` = `fnv1a(a + b)`).
 * Pure and stable across runs and platforms.
 */
export function fnv1a(text: string, basis: number = FNV_OFFSET_BASIS): number {
  let hash = basis;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The `limit` (at least 1) feasible candidates with the smallest `fnv1a(seed + "\0" + id)`,
 * ties by name then id: input order is irrelevant.
 */
function limitCandidates(
  feasible: FeasibleCandidate[],
  limit: number | undefined,
  seed: string,
): FeasibleCandidate[] {
  if (limit === undefined || !(feasible.length > limit)) return feasible;
  const basis = fnv1a('\u0000', fnv1a(seed));
  const keyed = feasible.map((f) => ({ f, key: fnv1a(f.candidate.id, basis) }));
  keyed.sort((a, b) => a.key - b.key || compareByNameThenId(a.f.candidate, b.f.candidate));
  return keyed.slice(0, Math.max(1, Math.floor(limit))).map(({ f }) => f);
}

function directSummary(
  workload: CompiledWorkload,
  candidates: readonly CandidateView[],
  tier: Tier,
): DirectTargetSummary | undefined {
  const named = new Set<string>(
    tier === 'root' ? workload.directClusters : workload.directNodes.flatMap((s) => [...s]),
  );
  if (named.size === 0) return undefined;
  let found = 0;
  let active = 0;
  for (const c of candidates) {
    if (!named.has(c.name)) continue;
    found++;
    if (c.active) active++;
  }
  return { names: [...named], found, active };
}

/**
 * Places one workload: compile the spec once → filter every candidate (O(n), cheapest filters
 * first) → optionally limit → score only the feasible ones → weighted mean → best, ties by name
 * then id. Pure and deterministic: the same inputs give the same answer in any input order.
 */
export function place(
  spec: WorkloadSpec,
  candidates: readonly CandidateView[],
  profile: Profile,
  options: PlacementOptions = {},
): PlacementResult {
  const kind = candidateKindOf(profile.tier);
  const total = candidates.length;
  const compiled = compileWorkload(spec);
  if (!compiled.ok) {
    const rejections = total > 0 ? { [RejectionReason.INVALID_WORKLOAD]: total } : {};
    return {
      placed: false,
      tier: profile.tier,
      total,
      rejections,
      capacityOnly: 0,
      detail: `invalid workload: ${compiled.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`,
      messages: {},
      errors: compiled.errors,
    };
  }
  const workload = compiled.value;

  const rejections: Record<string, number> = {};
  const messages: Record<string, string> = {};
  let capacityOnly = 0;
  let feasible: FeasibleCandidate[] = [];
  for (const candidate of candidates) {
    const verdict = judge(profile.filters, workload, candidate);
    if (verdict.ok) {
      feasible.push({ candidate, capacity: effectiveCapacity(workload, candidate) });
      continue;
    }
    rejections[verdict.reason] = (rejections[verdict.reason] ?? 0) + 1;
    messages[verdict.reason] ??= `${candidate.name}: ${verdict.message}`;
    if (verdict.capacity) capacityOnly++;
  }

  if (feasible.length === 0) {
    const direct = directSummary(workload, candidates, profile.tier);
    return {
      placed: false,
      tier: profile.tier,
      total,
      rejections,
      capacityOnly,
      detail: describeRejections(rejections, total, kind, workload),
      messages,
      ...(direct ? { direct } : {}),
    };
  }

  const feasibleCount = feasible.length;
  feasible = limitCandidates(feasible, profile.maxCandidates, options.seed ?? '');
  const scores = scoreAll(workload, feasible, profile);

  // Max in O(m); `ranks` is the total order: higher score, then name, then id.
  const ranks = (i: number, j: number): boolean => {
    const si = scores.total[i] ?? 0;
    const sj = scores.total[j] ?? 0;
    if (si !== sj) return si > sj;
    const a = feasible[i];
    const b = feasible[j];
    return a !== undefined && b !== undefined && compareByNameThenId(a.candidate, b.candidate) < 0;
  };
  let best = 0;
  for (let i = 1; i < feasible.length; i++) if (ranks(i, best)) best = i;

  const ranked = options.rank
    ? feasible
        .map((_f, i) => i)
        .sort((i, j) => (ranks(i, j) ? -1 : ranks(j, i) ? 1 : 0))
        .map((i) => scores.entry(i))
    : undefined;
  return {
    placed: true,
    ...scores.entry(best),
    total,
    feasible: feasibleCount,
    scored: feasible.length,
    rejections,
    ...(ranked ? { ranked } : {}),
  };
}

/**
 * Runs every scorer once over the feasible set. Totals live in a typed array; the
 * ScoredCandidate objects (with their breakdown) are only built for what is returned.
 */
function scoreAll(
  workload: CompiledWorkload,
  feasible: readonly FeasibleCandidate[],
  profile: Profile,
): { total: Float64Array; entry: (i: number) => ScoredCandidate } {
  const columns = profile.scorers.map(({ scorer, weight }) => {
    const raw = scorer.score(workload, feasible);
    const scores = new Float64Array(feasible.length);
    for (let i = 0; i < feasible.length; i++) {
      const value = raw[i] ?? 0;
      // A custom scorer's NaN/out-of-range value must not break the ordering.
      scores[i] = Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 0;
    }
    return {
      name: scorer.name,
      weight: Number.isFinite(weight) && weight > 0 ? weight : 0,
      scores,
    };
  });
  const weightSum = columns.reduce((sum, column) => sum + column.weight, 0);
  const total = new Float64Array(feasible.length);
  if (weightSum > 0) {
    for (const { weight, scores } of columns) {
      if (weight === 0) continue;
      for (let i = 0; i < total.length; i++) total[i] = (total[i] ?? 0) + weight * (scores[i] ?? 0);
    }
    for (let i = 0; i < total.length; i++) total[i] = (total[i] ?? 0) / weightSum;
  }
  const entry = (i: number): ScoredCandidate => {
    const f = feasible[i];
    if (f === undefined) throw new Error(`unreachable: no feasible candidate ${i}`);
    const breakdown: Record<string, number> = {};
    for (const { name, scores } of columns) breakdown[name] = scores[i] ?? 0;
    return { candidate: f.candidate, score: total[i] ?? 0, breakdown };
  };
  return { total, entry };
}
