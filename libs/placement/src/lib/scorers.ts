import type { CandidateView, CapacityView } from './types';
import type { CompiledWorkload } from './workload';

/** A candidate that passed every filter, with the capacity the workload would use. */
export interface FeasibleCandidate {
  readonly candidate: CandidateView;
  /**
   * A worker's capacity; for a cluster, the combined slots (architectures) the workload fits
   * into (see `combineCapacities`).
   */
  readonly capacity: CapacityView;
}

/**
 * Scores every feasible candidate at once (score + NormalizeScore in the Kubernetes
 * framework), returning one number in 0..100 per candidate, same order, higher is better.
 */
export interface ScorePlugin {
  readonly name: string;
  score(workload: CompiledWorkload, feasible: readonly FeasibleCandidate[]): number[];
}

/** A scorer and its weight in a profile; weights are relative, ≥ 0. */
export interface WeightedScorer {
  readonly scorer: ScorePlugin;
  readonly weight: number;
}

const clampPercent = (value: number): number =>
  Number.isFinite(value) ? Math.min(100, Math.max(0, value)) : 100;

/**
 * Best fit on CPU and memory (default): prefers the candidate left with the least free capacity
 * after placing, i.e. packs workloads tightly and keeps large candidates free for large ones.
 *
 *   leftover_r(c) = available_r(c) − requested_r             (r ∈ {vcpus, memory}; ≥ 0 when feasible)
 *   fit_r(c)      = 1 − leftover_r(c) / max_c' leftover_r(c')  (= 1 when that max is 0)
 *   bestFit(c)    = 100 · (fit_vcpus(c) + fit_memory(c)) / 2
 *
 * Dividing by the largest leftover among the scored candidates puts cores and MB on the same
 * 0..1 scale: the tightest candidate on a resource gets 1 for it, the loosest 0. Scores are
 * therefore relative to the candidate set.
 */
export const bestFitScorer: ScorePlugin = {
  name: 'best-fit',
  score: (w, feasible) => {
    const leftCpu = feasible.map((f) => Math.max(0, f.capacity.vcpus - w.reservation.vcpus));
    const leftMem = feasible.map((f) => Math.max(0, f.capacity.memory - w.reservation.memory));
    let maxCpu = 0;
    let maxMem = 0;
    for (let i = 0; i < feasible.length; i++) {
      maxCpu = Math.max(maxCpu, leftCpu[i] ?? 0);
      maxMem = Math.max(maxMem, leftMem[i] ?? 0);
    }
    return feasible.map((_f, i) => {
      const fitCpu = maxCpu > 0 ? 1 - (leftCpu[i] ?? 0) / maxCpu : 1;
      const fitMem = maxMem > 0 ? 1 - (leftMem[i] ?? 0) / maxMem : 1;
      return (100 * (fitCpu + fitMem)) / 2;
    });
  },
};

/**
 * Spread: prefers the least loaded candidate by its reported utilisation.
 *
 *   spread(c) = 100 − (cpu_percent(c) + memory_percent(c)) / 2
 *
 * with each percentage clamped to 0..100 and a non-finite one counted as 100 (unknown load is
 * treated as full). Absolute, not relative to the candidate set, so it combines with best-fit
 * without cancelling it out.
 */
export const spreadScorer: ScorePlugin = {
  name: 'spread',
  score: (_w, feasible) =>
    feasible.map(
      (f) =>
        100 - (clampPercent(f.capacity.cpu_percent) + clampPercent(f.capacity.memory_percent)) / 2,
    ),
};

/**
 * The deterministic tie-break after the weighted score: candidate name, then id, in UTF-16
 * code-unit order (not locale-dependent). Negative when `a` wins.
 */
export function compareByNameThenId(a: CandidateView, b: CandidateView): number {
  if (a.name !== b.name) return a.name < b.name ? -1 : 1;
  if (a.id !== b.id) return a.id < b.id ? -1 : 1;
  return 0;
}
