import { spec, worker } from '../testing/fixtures';
import {
  bestFitScorer,
  compareByNameThenId,
  spreadScorer,
  type FeasibleCandidate,
} from './scorers';
import type { CandidateView, WorkloadSpec } from './types';
import { compileWorkload } from './workload';

const feasible = (...candidates: CandidateView[]): FeasibleCandidate[] =>
  candidates.map((candidate) => ({ candidate, capacity: candidate.capacity }));

function scores(scorer: typeof bestFitScorer, s: WorkloadSpec, f: FeasibleCandidate[]): number[] {
  const w = compileWorkload(s);
  if (!w.ok) throw new Error('invalid');
  return scorer.score(w.value, f);
}

describe('best-fit scorer', () => {
  it('scores by the normalised leftover: 100·(fit_cpu + fit_mem)/2', () => {
    // leftover memory 512 / 1536 / 3584 MB (max 3584); leftover cpu 3 / 1 / 0 cores (max 3).
    const result = scores(
      bestFitScorer,
      spec({ vcpus: 1, memory: 512 }),
      feasible(
        worker('a', { capacity: { vcpus: 4, memory: 1024 } }),
        worker('b', { capacity: { vcpus: 2, memory: 2048 } }),
        worker('c', { capacity: { vcpus: 1, memory: 4096 } }),
      ),
    );
    expect(result[0]).toBeCloseTo((100 * (0 + (1 - 512 / 3584))) / 2, 9);
    expect(result[1]).toBeCloseTo((100 * (1 - 1 / 3 + (1 - 1536 / 3584))) / 2, 9);
    expect(result[2]).toBeCloseTo((100 * (1 + 0)) / 2, 9);
  });

  it('gives the tightest candidate the highest score', () => {
    const result = scores(
      bestFitScorer,
      spec({ vcpus: 1, memory: 1000 }),
      feasible(
        worker('roomy', { capacity: { vcpus: 4, memory: 8000 } }),
        worker('tight', { capacity: { vcpus: 4, memory: 1100 } }),
        worker('middle', { capacity: { vcpus: 4, memory: 3000 } }),
      ),
    );
    // cpu leftovers are equal (fit_cpu = 0 for all); memory: 1 − 100/7000 vs 1 − 2000/7000 vs 0.
    expect(result).toEqual([0, expect.any(Number), expect.any(Number)]);
    expect(result[1]).toBeCloseTo(50 * (1 - 100 / 7000), 9);
    expect(result[1]).toBeGreaterThan(result[2] ?? Infinity);
    expect(result[2]).toBeGreaterThan(0);
  });

  it('scores 100 when every candidate is an exact fit, within 0..100 otherwise', () => {
    const exact = scores(
      bestFitScorer,
      spec({ vcpus: 4, memory: 4096 }),
      feasible(worker('a'), worker('b')),
    );
    expect(exact).toEqual([100, 100]);
    const one = scores(bestFitScorer, spec(), feasible(worker('a')));
    expect(one).toEqual([0]);
  });

  it('returns nothing for nothing', () => {
    expect(scores(bestFitScorer, spec(), [])).toEqual([]);
  });
});

describe('spread scorer', () => {
  it.each([
    [0, 0, 100],
    [50, 30, 60],
    [100, 100, 0],
    [150, -10, 50], // clamped to 100 and 0
    [Number.NaN, 0, 50], // unknown counts as fully loaded
  ])('cpu %p%% memory %p%% → %p', (cpu, mem, expected) => {
    const [score] = scores(
      spreadScorer,
      spec(),
      feasible(worker('w', { capacity: { cpu_percent: cpu, memory_percent: mem } })),
    );
    expect(score).toBeCloseTo(expected, 9);
  });

  it('gives the least loaded candidate the highest score', () => {
    const result = scores(
      spreadScorer,
      spec(),
      feasible(
        worker('busy', { capacity: { cpu_percent: 90, memory_percent: 80 } }),
        worker('idle', { capacity: { cpu_percent: 5, memory_percent: 10 } }),
      ),
    );
    expect(result[1]).toBeGreaterThan(result[0] ?? Infinity);
  });
});

describe(compareByNameThenId.name, () => {
  it.each([
    ['a', 'id-1', 'b', 'id-0', -1],
    ['b', 'id-0', 'a', 'id-1', 1],
    ['a', 'id-1', 'a', 'id-2', -1],
    ['a', 'id-2', 'a', 'id-1', 1],
    ['a', 'id-1', 'a', 'id-1', 0],
    ['B', 'x', 'a', 'x', -1], // code-unit order, not locale order
  ])('%s/%s vs %s/%s', (nameA, idA, nameB, idB, sign) => {
    const a = worker(nameA, { id: idA });
    const b = worker(nameB, { id: idB });
    expect(Math.sign(compareByNameThenId(a, b))).toBe(sign);
  });
});
