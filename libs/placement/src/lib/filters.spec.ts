import { BERLIN, MUNICH, capacity, cluster, spec, worker } from '../testing/fixtures';
import {
  activeFilter,
  addonsFilter,
  allowedClustersFilter,
  architectureFilter,
  directClusterFilter,
  directNodeFilter,
  geoFilter,
  labelsFilter,
  resourcesFilter,
  virtualizationFilter,
  volumesFilter,
  type FilterPlugin,
} from './filters';
import type { CandidateView, WorkloadSpec } from './types';
import { compileWorkload } from './workload';

type Row = [string, WorkloadSpec, CandidateView, string | undefined];

function verdictOf(filter: FilterPlugin, s: WorkloadSpec, c: CandidateView) {
  const w = compileWorkload(s);
  if (!w.ok) throw new Error(JSON.stringify(w.errors));
  return filter.filter(w.value, c);
}

function runTable(filter: FilterPlugin, rows: Row[]): void {
  describe(`${filter.name} filter`, () => {
    it.each(rows)('%s', (_name, s, c, reason) => {
      const verdict = verdictOf(filter, s, c);
      if (reason === undefined) {
        expect(verdict).toEqual({ ok: true });
      } else {
        expect(verdict).toMatchObject({ ok: false, reason });
        if (!verdict.ok) expect(verdict.message.length).toBeGreaterThan(0);
      }
    });
  });
}

const geo = (threshold: number, location = `${MUNICH.lat},${MUNICH.long}`): WorkloadSpec =>
  spec({ constraints: [{ type: 'geo', location, threshold }] });

// Per-architecture aggregate: 2 arm64 workers × 1 GB + 1 amd64 worker × 4 GB (6 GB in total).
const mixed = cluster('mixed', {
  capacity: { vcpus: 6, memory: 6144 },
  aggregation_per_architecture: {
    arm64: capacity({ vcpus: 8, memory: 2048 }),
    amd64: capacity({ vcpus: 2, memory: 4096 }),
  },
});

runTable(activeFilter, [
  ['active passes', spec(), worker('w'), undefined],
  ['inactive fails', spec(), worker('w', { active: false }), 'inactive'],
]);

runTable(virtualizationFilter, [
  ['docker on docker', spec(), worker('w'), undefined],
  [
    'SLA spelling container on docker',
    spec({ virtualization: 'container' }),
    worker('w'),
    undefined,
  ],
  [
    'docker on a worker advertising container',
    spec(),
    worker('w', { virtualization: ['container'] }),
    undefined,
  ],
  [
    'unikernel among several',
    spec({ virtualization: 'unikernel' }),
    worker('w', { virtualization: ['docker', 'unikernel'] }),
    undefined,
  ],
  [
    'unikernel on docker-only',
    spec({ virtualization: 'unikernel' }),
    worker('w'),
    'virtualization',
  ],
  ['no runtimes at all', spec(), worker('w', { virtualization: [] }), 'virtualization'],
  ['runsc is not docker', spec({ virtualization: 'runsc' }), worker('w'), 'virtualization'],
]);

runTable(architectureFilter, [
  ['no arch requirement', spec(), worker('w', { architecture: 'arm64' }), undefined],
  ['matching arch', spec({ arch: ['amd64'] }), worker('w'), undefined],
  ['one of several', spec({ arch: ['arm64', 'amd64'] }), worker('w'), undefined],
  ['alias x86_64 = amd64', spec({ arch: ['x86_64'] }), worker('w'), undefined],
  [
    'worker reports aarch64',
    spec({ arch: ['arm64'] }),
    worker('w', { architecture: 'aarch64' }),
    undefined,
  ],
  ['mismatch', spec({ arch: ['arm64'] }), worker('w'), 'architecture'],
  [
    'unknown architecture',
    spec({ arch: ['amd64'] }),
    worker('w', { architecture: undefined }),
    'architecture',
  ],
  ['cluster offers arm64 per architecture', spec({ arch: ['arm64'] }), mixed, undefined],
  ['cluster lacks riscv64', spec({ arch: ['riscv64'] }), mixed, 'architecture'],
  [
    'cluster without per-arch data, homogeneous',
    spec({ arch: ['arm64'] }),
    cluster('c', { architecture: 'arm64' }),
    undefined,
  ],
  ['cluster without any arch data', spec({ arch: ['arm64'] }), cluster('c'), 'architecture'],
]);

runTable(resourcesFilter, [
  ['exact-fit memory passes', spec({ memory: 4096 }), worker('w'), undefined],
  ['1 MB over fails', spec({ memory: 4097 }), worker('w'), 'insufficient_memory'],
  ['exact-fit vcpus passes', spec({ vcpus: 4 }), worker('w'), undefined],
  ['one core over fails', spec({ vcpus: 5 }), worker('w'), 'insufficient_cpu'],
  ['CPU reported before memory', spec({ vcpus: 5, memory: 5000 }), worker('w'), 'insufficient_cpu'],
  ['GPU required, none', spec({ vgpus: 1 }), worker('w'), 'insufficient_gpu'],
  ['GPU required, present', spec({ vgpus: 1 }), worker('w', { capacity: { vgpus: 1 } }), undefined],
  [
    'zero request on an empty worker',
    spec({ vcpus: 0, memory: 0 }),
    worker('w', { capacity: { vcpus: 0, memory: 0 } }),
    undefined,
  ],
  ['per-arch: 4 GB fits the amd64 part', spec({ memory: 4096 }), mixed, undefined],
  [
    'per-arch: 5 GB fits no single arch (6 GB total)',
    spec({ memory: 5120 }),
    mixed,
    'insufficient_memory',
  ],
  [
    'per-arch: 3 GB on arm64 only fails (arm64 has 2 GB)',
    spec({ memory: 3072, arch: ['arm64'] }),
    mixed,
    'insufficient_memory',
  ],
  [
    'per-arch: 4 cores + 3 GB split across archs',
    spec({ vcpus: 4, memory: 3072 }),
    mixed,
    'insufficient_resources',
  ],
  [
    'per-arch ignored for a worker',
    spec({ memory: 4096 }),
    worker('w', { aggregation_per_architecture: { amd64: capacity({ memory: 1 }) } }),
    undefined,
  ],
  [
    'cluster without per-arch uses its total',
    spec({ memory: 6144 }),
    cluster('c', { capacity: { memory: 6144 } }),
    undefined,
  ],
  ['arch mismatch seen by resources alone', spec({ arch: ['arm64'] }), worker('w'), 'architecture'],
]);

describe('resources filter verdicts', () => {
  it('marks shortfalls as capacity and explains them', () => {
    expect(verdictOf(resourcesFilter, spec({ memory: 4097 }), worker('w'))).toEqual({
      ok: false,
      reason: 'insufficient_memory',
      message: 'needs 4097 MB memory, has 4096',
      capacity: true,
    });
  });
  it('does not mark an architecture mismatch as capacity', () => {
    expect(verdictOf(resourcesFilter, spec({ arch: ['arm64'] }), worker('w'))).not.toHaveProperty(
      'capacity',
    );
  });
});

runTable(directClusterFilter, [
  ['no direct constraint', spec(), cluster('c1'), undefined],
  [
    'named cluster',
    spec({ constraints: [{ type: 'direct', cluster: 'c1' }] }),
    cluster('c1'),
    undefined,
  ],
  [
    'other cluster',
    spec({ constraints: [{ type: 'direct', cluster: 'c1' }] }),
    cluster('c2'),
    'direct',
  ],
  [
    'node list passes through the root',
    spec({ constraints: [{ type: 'direct', node: 'w9' }] }),
    cluster('c2'),
    undefined,
  ],
  [
    'case-sensitive',
    spec({ constraints: [{ type: 'direct', cluster: 'C1' }] }),
    cluster('c1'),
    'direct',
  ],
]);

runTable(directNodeFilter, [
  ['no direct constraint', spec(), worker('w1'), undefined],
  ['single name', spec({ constraints: [{ type: 'direct', node: 'w1' }] }), worker('w1'), undefined],
  [
    'first of a;b',
    spec({ constraints: [{ type: 'direct', node: 'w1;w2' }] }),
    worker('w1'),
    undefined,
  ],
  [
    'second of a;b',
    spec({ constraints: [{ type: 'direct', node: 'w1;w2' }] }),
    worker('w2'),
    undefined,
  ],
  [
    'list with whitespace',
    spec({ constraints: [{ type: 'direct', node: ' w1 ;  w2 ; ' }] }),
    worker('w2'),
    undefined,
  ],
  [
    'not in list',
    spec({ constraints: [{ type: 'direct', node: 'w1;w2' }] }),
    worker('w3'),
    'direct',
  ],
  [
    'no substring match',
    spec({ constraints: [{ type: 'direct', node: 'w10' }] }),
    worker('w1'),
    'direct',
  ],
  [
    'cluster name ignored at the cluster tier',
    spec({ constraints: [{ type: 'direct', cluster: 'c1' }] }),
    worker('w3'),
    undefined,
  ],
]);

runTable(allowedClustersFilter, [
  ['no constraint', spec(), cluster('c1'), undefined],
  [
    'allowed',
    spec({ constraints: [{ type: 'clusters', allowed: ['c0', 'c1'] }] }),
    cluster('c1'),
    undefined,
  ],
  [
    'not allowed',
    spec({ constraints: [{ type: 'clusters', allowed: ['c0'] }] }),
    cluster('c1'),
    'clusters',
  ],
  [
    'empty list does not restrict',
    spec({ constraints: [{ type: 'clusters', allowed: [] }] }),
    cluster('c1'),
    undefined,
  ],
  [
    'every list must allow it',
    spec({
      constraints: [
        { type: 'clusters', allowed: ['c1'] },
        { type: 'clusters', allowed: ['c2'] },
      ],
    }),
    cluster('c1'),
    'clusters',
  ],
]);

runTable(geoFilter, [
  ['no geo constraint, no location', spec(), cluster('c'), undefined],
  [
    'Berlin within 505 km of Munich (≈504.3)',
    geo(505),
    cluster('c', { location: BERLIN }),
    undefined,
  ],
  ['Berlin beyond 504 km of Munich', geo(504), cluster('c', { location: BERLIN }), 'geo'],
  ['same place, threshold 0', geo(0), cluster('c', { location: MUNICH }), undefined],
  ['candidate without location', geo(20000), cluster('c'), 'no_location'],
  [
    'every geo constraint must hold',
    spec({
      constraints: [
        { type: 'geo', location: `${MUNICH.lat},${MUNICH.long}`, threshold: 600 },
        { type: 'geo', location: '0,0', threshold: 100 },
      ],
    }),
    cluster('c', { location: BERLIN }),
    'geo',
  ],
]);

runTable(labelsFilter, [
  ['no labels required', spec(), worker('w', { labels: { a: 'b' } }), undefined],
  [
    'label equal',
    spec({ labels: { zone: 'hall-1' } }),
    worker('w', { labels: { zone: 'hall-1', x: 'y' } }),
    undefined,
  ],
  [
    'all labels equal',
    spec({ labels: { zone: 'hall-1', gpu: 'true' } }),
    worker('w', { labels: { zone: 'hall-1', gpu: 'true' } }),
    undefined,
  ],
  [
    'one label missing',
    spec({ labels: { zone: 'hall-1', gpu: 'true' } }),
    worker('w', { labels: { zone: 'hall-1' } }),
    'labels',
  ],
  [
    'value differs',
    spec({ labels: { zone: 'hall-1' } }),
    worker('w', { labels: { zone: 'hall-2' } }),
    'labels',
  ],
  ['prototype keys are not labels', spec({ labels: { constructor: 'x' } }), worker('w'), 'labels'],
  [
    'cluster aggregate offers the value',
    spec({ labels: { zone: 'hall-2' } }),
    cluster('c', { labels: { zone: ['hall-1', 'hall-2'] } }),
    undefined,
  ],
  [
    'cluster aggregate lacks the value',
    spec({ labels: { zone: 'hall-3' } }),
    cluster('c', { labels: { zone: ['hall-1', 'hall-2'] } }),
    'labels',
  ],
]);

runTable(addonsFilter, [
  ['no addons needed', spec(), worker('w'), undefined],
  [
    'needs ⊆ supported',
    spec({ constraints: [{ type: 'addons', needs: ['gpu'] }] }),
    worker('w', { supported_addons: ['gpu', 'tpm'] }),
    undefined,
  ],
  [
    'one missing',
    spec({ constraints: [{ type: 'addons', needs: ['gpu', 'tpm'] }] }),
    worker('w', { supported_addons: ['gpu'] }),
    'addons',
  ],
  ['empty needs', spec({ constraints: [{ type: 'addons', needs: [] }] }), worker('w'), undefined],
]);

runTable(volumesFilter, [
  ['no volumes', spec(), worker('w'), undefined],
  [
    'driver present',
    spec({ volumes: [{ csi_driver: 'csi.oakestra.io/hostpath' }] }),
    worker('w', { csi_drivers: ['csi.oakestra.io/hostpath'] }),
    undefined,
  ],
  [
    'driver missing',
    spec({ volumes: [{ csi_driver: 'csi.oakestra.io/hostpath' }] }),
    worker('w', { csi_drivers: ['csi.other'] }),
    'volumes',
  ],
  [
    'every driver needed',
    spec({ volumes: [{ csi_driver: 'a' }, { csi_driver: 'b' }] }),
    worker('w', { csi_drivers: ['a'] }),
    'volumes',
  ],
]);
