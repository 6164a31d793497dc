import { countNoun, describeRejections, reasonPhrase } from './reasons';
import type { CandidateKind } from './types';

describe(describeRejections.name, () => {
  it.each<[Record<string, number>, number, CandidateKind, string]>([
    [
      { insufficient_memory: 2, architecture: 1 },
      3,
      'cluster',
      '3 clusters: 2 lack memory, 1 wrong architecture',
    ],
    [
      { architecture: 1, insufficient_memory: 2 },
      3,
      'cluster',
      '3 clusters: 2 lack memory, 1 wrong architecture',
    ],
    [{ insufficient_memory: 1 }, 1, 'worker', '1 worker: 1 lacks memory'],
    [{ inactive: 2, insufficient_cpu: 1 }, 3, 'worker', '3 workers: 2 are inactive, 1 lacks CPU'],
    [
      { insufficient_gpu: 1, insufficient_resources: 2 },
      3,
      'cluster',
      '3 clusters: 2 fit on no single architecture, 1 lacks GPUs',
    ],
    [
      { direct: 4, labels: 1 },
      5,
      'worker',
      '5 workers: 4 are not named by the direct constraint, 1 lacks required labels',
    ],
    [
      { clusters: 1, geo: 1, no_location: 1 },
      3,
      'cluster',
      '3 clusters: 1 is not an allowed cluster, 1 has no location, 1 is too far away',
    ],
    [
      { addons: 2, volumes: 1 },
      3,
      'worker',
      '3 workers: 2 lack required addons, 1 lacks CSI drivers',
    ],
    [
      { 'custom-b': 1, 'custom-a': 1 },
      2,
      'worker',
      '2 workers: 1 rejected by custom-a, 1 rejected by custom-b',
    ],
    [{}, 0, 'worker', 'no workers to choose from'],
    [{}, 0, 'cluster', 'no clusters to choose from'],
    [{ insufficient_memory: 0 }, 2, 'worker', '2 workers'],
  ])('%j of %i %s → %j', (rejections, total, kind, detail) => {
    expect(describeRejections(rejections, total, kind)).toBe(detail);
  });

  it('names the missing runtime when the workload is known', () => {
    expect(reasonPhrase('virtualization', 2)).toBe('lack the required runtime');
    expect(reasonPhrase('virtualization', 1, { virtualization: 'unikernel' } as never)).toBe(
      'lacks the unikernel runtime',
    );
  });
});

describe(countNoun.name, () => {
  it.each<[number, CandidateKind, string]>([
    [0, 'worker', 'no workers'],
    [1, 'worker', '1 worker'],
    [2, 'cluster', '2 clusters'],
  ])('%i %s → %j', (count, kind, text) => {
    expect(countNoun(count, kind)).toBe(text);
  });
});
