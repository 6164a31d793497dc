import { NegativeSchedulingStatus as S } from '@canopy/contracts';
import { cluster, spec, worker } from '../testing/fixtures';
import { place, type PlacementFailure } from './place';
import { clusterProfile, rootProfile } from './profiles';
import { clusterSchedulingStatus, negativeSchedulingStatus, rootSchedulingStatus } from './status';
import type { CandidateView, WorkloadSpec } from './types';

function failure(
  s: WorkloadSpec,
  candidates: CandidateView[],
  tier: 'root' | 'cluster',
): PlacementFailure {
  const result = place(s, candidates, tier === 'root' ? rootProfile : clusterProfile);
  if (result.placed) throw new Error(`unexpectedly placed on ${result.candidate.name}`);
  return result;
}

const toCluster1 = (extra: Partial<WorkloadSpec> = {}): WorkloadSpec =>
  spec({ constraints: [{ type: 'direct', cluster: 'cluster1' }], ...extra });
const toNodes = (node: string, extra: Partial<WorkloadSpec> = {}): WorkloadSpec =>
  spec({ constraints: [{ type: 'direct', node }], ...extra });

describe(rootSchedulingStatus.name, () => {
  it.each<[string, WorkloadSpec, CandidateView[], string]>([
    [
      'direct cluster not among candidates',
      toCluster1(),
      [cluster('c2')],
      S.TARGET_CLUSTER_NOT_FOUND,
    ],
    ['direct cluster, no candidates at all', toCluster1(), [], S.TARGET_CLUSTER_NOT_FOUND],
    [
      'direct cluster inactive',
      toCluster1(),
      [cluster('cluster1', { active: false }), cluster('c2')],
      S.TARGET_CLUSTER_NOT_ACTIVE,
    ],
    [
      'direct cluster active but full',
      toCluster1({ memory: 9999 }),
      [cluster('cluster1'), cluster('c2', { capacity: { memory: 99999 } })],
      S.TARGET_CLUSTER_NO_CAPACITY,
    ],
    [
      'direct cluster active but wrong runtime',
      toCluster1({ virtualization: 'unikernel' }),
      [cluster('cluster1')],
      S.TARGET_CLUSTER_NO_CAPACITY,
    ],
    ['no candidates', spec(), [], S.NO_ACTIVE_CLUSTER_WITH_CAPACITY],
    [
      'no active candidates',
      spec(),
      [cluster('c1', { active: false })],
      S.NO_ACTIVE_CLUSTER_WITH_CAPACITY,
    ],
    [
      'nothing fits',
      spec({ memory: 9999 }),
      [cluster('c1'), cluster('c2')],
      S.NO_ACTIVE_CLUSTER_WITH_CAPACITY,
    ],
    [
      'direct node only is not the root’s business',
      toNodes('w1', { memory: 9999 }),
      [cluster('c1')],
      S.NO_ACTIVE_CLUSTER_WITH_CAPACITY,
    ],
    ['invalid workload', spec({ vcpus: -1 }), [cluster('c1')], S.NO_ACTIVE_CLUSTER_WITH_CAPACITY],
  ])('%s → %s', (_name, s, candidates, status) => {
    const f = failure(s, candidates, 'root');
    expect(rootSchedulingStatus(f)).toBe(status);
    expect(negativeSchedulingStatus(f)).toBe(status);
  });

  it('summarises the direct target', () => {
    expect(failure(toCluster1(), [cluster('cluster1', { active: false })], 'root').direct).toEqual({
      names: ['cluster1'],
      found: 1,
      active: 0,
    });
  });
});

describe(clusterSchedulingStatus.name, () => {
  it.each<[string, WorkloadSpec, CandidateView[], string]>([
    [
      'direct nodes none of which exist',
      toNodes('w8;w9'),
      [worker('w1'), worker('w2')],
      S.NO_NODE_FOUND,
    ],
    ['direct nodes, no workers', toNodes('w1'), [], S.NO_NODE_FOUND],
    [
      'direct node exists but full',
      toNodes('w1;w9', { memory: 9999 }),
      [worker('w1'), worker('w2', { capacity: { memory: 99999 } })],
      S.NO_WORKER_CAPACITY,
    ],
    [
      'direct node exists but unqualified',
      toNodes('w1', { virtualization: 'unikernel' }),
      [worker('w1')],
      S.NO_QUALIFIED_WORKER_FOUND,
    ],
    [
      'direct node exists but inactive',
      toNodes('w1'),
      [worker('w1', { active: false })],
      S.NO_QUALIFIED_WORKER_FOUND,
    ],
    [
      'only resources missing',
      spec({ memory: 9999 }),
      [worker('w1'), worker('w2')],
      S.NO_WORKER_CAPACITY,
    ],
    [
      'one full, one unqualified',
      spec({ memory: 9999, arch: ['amd64'] }),
      [worker('w1'), worker('w2', { architecture: 'arm64' })],
      S.NO_WORKER_CAPACITY,
    ],
    [
      'full AND unqualified is unqualified',
      spec({ memory: 9999, labels: { a: 'b' } }),
      [worker('w1')],
      S.NO_QUALIFIED_WORKER_FOUND,
    ],
    [
      'wrong runtime',
      spec({ virtualization: 'unikernel' }),
      [worker('w1')],
      S.NO_QUALIFIED_WORKER_FOUND,
    ],
    ['wrong architecture', spec({ arch: ['arm64'] }), [worker('w1')], S.NO_QUALIFIED_WORKER_FOUND],
    [
      'missing addon',
      spec({ constraints: [{ type: 'addons', needs: ['x'] }] }),
      [worker('w1')],
      S.NO_QUALIFIED_WORKER_FOUND,
    ],
    ['no workers', spec(), [], S.NO_QUALIFIED_WORKER_FOUND],
    ['all inactive', spec(), [worker('w1', { active: false })], S.NO_QUALIFIED_WORKER_FOUND],
    [
      'direct cluster only is not the cluster’s business',
      spec({ constraints: [{ type: 'direct', cluster: 'c9' }], memory: 9999 }),
      [worker('w1')],
      S.NO_WORKER_CAPACITY,
    ],
    ['invalid workload', spec({ virtualization: '' }), [worker('w1')], S.NO_QUALIFIED_WORKER_FOUND],
  ])('%s → %s', (_name, s, candidates, status) => {
    const f = failure(s, candidates, 'cluster');
    expect(clusterSchedulingStatus(f)).toBe(status);
    expect(negativeSchedulingStatus(f)).toBe(status);
  });
});
