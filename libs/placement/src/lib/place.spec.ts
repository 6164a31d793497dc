import fc from 'fast-check';
import { capacity, cluster, shuffled, spec, worker } from '../testing/fixtures';
import type { FilterPlugin } from './filters';
import {
  fnv1a,
  place,
  type PlacementFailure,
  type PlacementSuccess,
  type PlacementResult,
} from './place';
import { clusterProfile, rootProfile, withSpread, type Profile } from './profiles';
import { bestFitScorer, spreadScorer } from './scorers';
import type { CandidateView, WorkloadSpec } from './types';

function placed(result: PlacementResult): PlacementSuccess {
  if (!result.placed) throw new Error(`expected a placement, got: ${result.detail}`);
  return result;
}
function failed(result: PlacementResult): PlacementFailure {
  if (result.placed) throw new Error(`expected no placement, got ${result.candidate.name}`);
  return result;
}

describe(place.name, () => {
  describe('scoring', () => {
    const workers = [
      worker('roomy', { capacity: { memory: 8000, cpu_percent: 5, memory_percent: 5 } }),
      worker('tight', { capacity: { memory: 600, cpu_percent: 90, memory_percent: 90 } }),
      worker('middle', { capacity: { memory: 2000, cpu_percent: 50, memory_percent: 50 } }),
      worker('full', { capacity: { memory: 100, cpu_percent: 0, memory_percent: 0 } }),
    ];

    it('best fit (default) takes the tightest feasible worker', () => {
      const result = placed(place(spec({ memory: 512 }), workers, clusterProfile));
      expect(result.candidate.name).toBe('tight');
      expect(Object.keys(result.breakdown)).toEqual(['best-fit']);
      expect(result.score).toBe(result.breakdown['best-fit']);
      expect(result).toMatchObject({
        total: 4,
        feasible: 3,
        scored: 3,
        rejections: { insufficient_memory: 1 },
      });
    });

    it('spread takes the least loaded feasible worker', () => {
      const result = placed(place(spec({ memory: 512 }), workers, withSpread(clusterProfile)));
      expect(result.candidate.name).toBe('roomy');
      expect(result.breakdown).toEqual({ spread: 95 });
    });

    it('combines scorers as a weighted mean and reports each in the breakdown', () => {
      const profile: Profile = {
        ...clusterProfile,
        scorers: [
          { scorer: bestFitScorer, weight: 1 },
          { scorer: spreadScorer, weight: 3 },
        ],
      };
      const result = placed(place(spec({ memory: 512 }), workers, profile));
      const fit = result.breakdown['best-fit'] ?? NaN;
      const spread = result.breakdown['spread'] ?? NaN;
      expect(result.score).toBeCloseTo((fit + 3 * spread) / 4, 9);
      expect(result.candidate.name).toBe('roomy');
    });

    it('scores 0 and falls back to the tie-break without scorers', () => {
      const result = placed(
        place(spec(), [worker('b'), worker('a')], { ...clusterProfile, scorers: [] }),
      );
      expect(result).toMatchObject({ score: 0, breakdown: {}, candidate: { name: 'a' } });
    });

    it('clamps a custom scorer that returns NaN', () => {
      const nan = { name: 'nan', score: () => [Number.NaN, Number.NaN] };
      const result = placed(
        place(spec(), [worker('b'), worker('a')], {
          ...clusterProfile,
          scorers: [{ scorer: nan, weight: 1 }],
        }),
      );
      expect(result).toMatchObject({ score: 0, candidate: { name: 'a' } });
    });

    it('returns the ranking when asked', () => {
      const result = placed(place(spec({ memory: 512 }), workers, clusterProfile, { rank: true }));
      expect(result.ranked?.map((r) => r.candidate.name)).toEqual(['tight', 'middle', 'roomy']);
      expect(placed(place(spec({ memory: 512 }), workers, clusterProfile)).ranked).toBeUndefined();
    });
  });

  describe('ties', () => {
    const twins = ['delta', 'alpha', 'charlie', 'bravo'].map((name) => worker(name));
    const sameName = [
      worker('w', { id: 'id-3' }),
      worker('w', { id: 'id-1' }),
      worker('w', { id: 'id-2' }),
    ];

    it.each([1, 2, 3, 4, 5, 6, 7, 8])(
      'go to the first name whatever the input order (shuffle %i)',
      (seed) => {
        expect(placed(place(spec(), shuffled(twins, seed), clusterProfile)).candidate.name).toBe(
          'alpha',
        );
        expect(
          placed(place(spec(), shuffled(twins, seed), withSpread(clusterProfile))).candidate.name,
        ).toBe('alpha');
        expect(placed(place(spec(), shuffled(sameName, seed), clusterProfile)).candidate.id).toBe(
          'id-1',
        );
      },
    );

    it('never depend on input order (property)', () => {
      const candidateArb = fc.record({
        name: fc.constantFrom('a', 'b', 'c'),
        id: fc.string({ minLength: 1, maxLength: 3 }),
        memory: fc.constantFrom(512, 1024, 2048),
        vcpus: fc.constantFrom(1, 2),
        load: fc.constantFrom(0, 50),
      });
      fc.assert(
        fc.property(
          // Worker ids are unique (the tie-breaker of last resort): two candidates sharing an id
          // and a name could only be told apart by their position.
          fc.uniqueArray(candidateArb, { minLength: 1, maxLength: 8, selector: (r) => r.id }),
          fc.integer(),
          (rows, seed) => {
            const candidates = rows.map((r) =>
              worker(r.name, {
                id: r.id,
                capacity: {
                  memory: r.memory,
                  vcpus: r.vcpus,
                  cpu_percent: r.load,
                  memory_percent: r.load,
                },
              }),
            );
            for (const profile of [clusterProfile, withSpread(clusterProfile)]) {
              const a = place(spec({ memory: 512 }), candidates, profile);
              const b = place(spec({ memory: 512 }), shuffled(candidates, seed), profile);
              expect(b.placed && b.candidate).toEqual(a.placed && a.candidate);
            }
          },
        ),
        { numRuns: 60 },
      );
    });
  });

  describe('maxCandidates', () => {
    const many = Array.from({ length: 50 }, (_, i) => worker(`w${String(i).padStart(2, '0')}`));
    const limited: Profile = { ...clusterProfile, maxCandidates: 5 };

    it('scores at most that many, the same ones whatever the input order', () => {
      const a = placed(place(spec(), many, limited, { seed: 'svc-1' }));
      const b = placed(place(spec(), shuffled(many, 42), limited, { seed: 'svc-1' }));
      expect(a).toMatchObject({ feasible: 50, scored: 5 });
      expect(b.candidate).toBe(a.candidate);
    });

    it('samples a different subset for a different seed', () => {
      const winners = new Set(
        ['s1', 's2', 's3', 's4', 's5', 's6'].map(
          (seed) => placed(place(spec(), many, limited, { seed })).candidate.name,
        ),
      );
      expect(winners.size).toBeGreaterThan(1);
    });

    it('treats a limit below 1 as 1', () => {
      expect(placed(place(spec(), many, { ...clusterProfile, maxCandidates: 0 })).scored).toBe(1);
    });

    it('hashes with FNV-1a', () => {
      expect(fnv1a('')).toBe(0x811c9dc5);
      expect(fnv1a('a')).toBe(0xe40c292c);
    });
  });

  describe('per-architecture capacity (root)', () => {
    // 2 arm64 workers × 1 GB + 1 amd64 worker × 4 GB: 6 GB in total, at most 4 GB on one arch.
    const mixed = cluster('mixed', {
      capacity: { memory: 6144 },
      aggregation_per_architecture: {
        arm64: capacity({ memory: 2048 }),
        amd64: capacity({ memory: 4096 }),
      },
    });
    const plain = cluster('plain', { capacity: { memory: 5120 } });

    it('does not treat the aggregate as one big machine', () => {
      expect(
        placed(place(spec({ memory: 5120 }), [mixed, plain], rootProfile)).candidate.name,
      ).toBe('plain');
      const none = failed(place(spec({ memory: 5200 }), [mixed, plain], rootProfile));
      expect(none.detail).toBe('2 clusters: 2 lack memory');
    });

    it('scores a cluster on the architectures the workload fits', () => {
      // arm64-only workload: mixed offers 2048 MB there, plain has no arch data → rejected.
      const result = placed(
        place(spec({ memory: 2000, arch: ['arm64'] }), [mixed, plain], rootProfile),
      );
      expect(result).toMatchObject({
        candidate: { name: 'mixed' },
        rejections: { architecture: 1 },
      });
    });
  });

  describe('when nothing fits', () => {
    it('counts each candidate once, by its first failing filter', () => {
      const result = failed(
        place(
          spec({ memory: 2048, arch: ['amd64'] }),
          [
            cluster('a', { architecture: 'amd64', capacity: { memory: 1024 } }),
            cluster('b', { architecture: 'amd64', capacity: { memory: 2047 } }),
            cluster('c', { architecture: 'arm64', capacity: { memory: 1 } }),
          ],
          rootProfile,
        ),
      );
      expect(result).toMatchObject({
        tier: 'root',
        total: 3,
        rejections: { insufficient_memory: 2, architecture: 1 },
        capacityOnly: 2,
        detail: '3 clusters: 2 lack memory, 1 wrong architecture',
        messages: {
          insufficient_memory: 'a: needs 2048 MB memory, has 1024',
          architecture: 'c: needs amd64, has arm64',
        },
      });
    });

    it('reports a qualification failure over a capacity one for the same candidate', () => {
      const result = failed(
        place(
          spec({ memory: 9999, labels: { zone: 'z1' } }),
          [worker('w1'), worker('w2', { labels: { zone: 'z1' } })],
          clusterProfile,
        ),
      );
      expect(result).toMatchObject({
        rejections: { labels: 1, insufficient_memory: 1 },
        capacityOnly: 1,
        detail: '2 workers: 1 lacks memory, 1 lacks required labels',
      });
    });

    it.each<[string, WorkloadSpec, CandidateView[], Profile, string]>([
      ['no candidates', spec(), [], clusterProfile, 'no workers to choose from'],
      ['no clusters', spec(), [], rootProfile, 'no clusters to choose from'],
      [
        'all inactive',
        spec(),
        [worker('a', { active: false }), worker('b', { active: false })],
        clusterProfile,
        '2 workers: 2 are inactive',
      ],
      [
        'runtime',
        spec({ virtualization: 'unikernel' }),
        [worker('a')],
        clusterProfile,
        '1 worker: 1 lacks the unikernel runtime',
      ],
      [
        'cpu',
        spec({ vcpus: 8 }),
        [worker('a'), worker('b')],
        clusterProfile,
        '2 workers: 2 lack CPU',
      ],
      ['gpu', spec({ vgpus: 1 }), [cluster('a')], rootProfile, '1 cluster: 1 lacks GPUs'],
      [
        'direct node',
        spec({ constraints: [{ type: 'direct', node: 'x;y' }] }),
        [worker('a'), worker('b')],
        clusterProfile,
        '2 workers: 2 are not named by the direct constraint',
      ],
      [
        'direct cluster',
        spec({ constraints: [{ type: 'direct', cluster: 'x' }] }),
        [cluster('a')],
        rootProfile,
        '1 cluster: 1 is not named by the direct constraint',
      ],
      [
        'allow-list',
        spec({ constraints: [{ type: 'clusters', allowed: ['x'] }] }),
        [cluster('a'), cluster('b')],
        rootProfile,
        '2 clusters: 2 are not allowed clusters',
      ],
      [
        'geo',
        spec({ constraints: [{ type: 'geo', location: '0,0', threshold: 1 }] }),
        [cluster('a', { location: { lat: 1, long: 1 } }), cluster('b')],
        rootProfile,
        '2 clusters: 1 has no location, 1 is too far away',
      ],
      [
        'addons',
        spec({ constraints: [{ type: 'addons', needs: ['gpu'] }] }),
        [worker('a')],
        clusterProfile,
        '1 worker: 1 lacks required addons',
      ],
      [
        'volumes',
        spec({ volumes: [{ csi_driver: 'csi.x' }] }),
        [worker('a'), worker('b')],
        clusterProfile,
        '2 workers: 2 lack CSI drivers',
      ],
      [
        'split resources',
        spec({ vcpus: 4, memory: 3072 }),
        [
          cluster('a', {
            aggregation_per_architecture: {
              arm64: capacity({ vcpus: 8, memory: 1024 }),
              amd64: capacity({ vcpus: 1, memory: 4096 }),
            },
          }),
        ],
        rootProfile,
        '1 cluster: 1 fits on no single architecture',
      ],
    ])('%s → %j', (_name, s, candidates, profile, detail) => {
      expect(failed(place(s, candidates, profile)).detail).toBe(detail);
    });

    it('reports an invalid workload without judging candidates', () => {
      const result = failed(
        place(
          spec({ constraints: [{ type: 'geo', location: 'Munich', threshold: 10 }] }),
          [cluster('a'), cluster('b')],
          rootProfile,
        ),
      );
      expect(result).toMatchObject({
        rejections: { invalid_workload: 2 },
        capacityOnly: 0,
        errors: [{ path: 'constraints[0].location' }],
      });
      expect(result.detail).toMatch(
        /^invalid workload: constraints\[0\]\.location: geo location must be "lat,long"/,
      );
      expect(failed(place(spec({ memory: -1 }), [], clusterProfile)).rejections).toEqual({});
    });
  });

  it('runs custom filters in profile order', () => {
    const seen: string[] = [];
    const tracer = (name: string): FilterPlugin => ({
      name,
      filter: (_w, c) => {
        seen.push(`${name}:${c.name}`);
        return { ok: true };
      },
    });
    place(spec(), [worker('a')], { ...clusterProfile, filters: [tracer('one'), tracer('two')] });
    expect(seen).toEqual(['one:a', 'two:a']);
  });

  it('places over thousands of candidates', () => {
    const fleet = Array.from({ length: 5000 }, (_, i) =>
      worker(`w${i}`, {
        active: i % 10 !== 0,
        architecture: i % 3 === 0 ? 'arm64' : 'amd64',
        capacity: { memory: 256 + (i % 97) * 64, vcpus: 1 + (i % 8) },
      }),
    );
    const result = placed(
      place(spec({ memory: 1000, vcpus: 2, arch: ['amd64'] }), fleet, clusterProfile),
    );
    expect(result.total).toBe(5000);
    expect(result.candidate.capacity.memory).toBeGreaterThanOrEqual(1000);
  });
});
