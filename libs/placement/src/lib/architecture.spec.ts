import { capacity, cluster, worker } from '../testing/fixtures';
import {
  capacitySlots,
  combineCapacities,
  eligibleSlots,
  hasPerArchitecture,
  normalizeArchitecture,
} from './architecture';

describe(normalizeArchitecture.name, () => {
  it.each([
    ['amd64', 'amd64'],
    ['arm64', 'arm64'],
    ['x86_64', 'amd64'],
    [' X86_64 ', 'amd64'],
    ['aarch64', 'arm64'],
    ['armv7l', 'arm'],
    ['riscv64', 'riscv64'],
    ['constructor', 'constructor'], // not an Object.prototype lookup
  ])('%j → %j', (raw, arch) => {
    expect(normalizeArchitecture(raw)).toBe(arch);
  });
});

describe(capacitySlots.name, () => {
  const perArch = { arm64: capacity({ memory: 1 }), x86_64: capacity({ memory: 2 }) };

  it('splits a cluster by architecture, normalising the keys', () => {
    const c = cluster('c', { aggregation_per_architecture: perArch });
    expect(hasPerArchitecture(c)).toBe(true);
    expect(capacitySlots(c).map((s) => [s.architecture, s.capacity.memory])).toEqual([
      ['arm64', 1],
      ['amd64', 2],
    ]);
    expect(eligibleSlots(c, new Set(['amd64'])).map((s) => s.capacity.memory)).toEqual([2]);
  });

  it('keeps a worker, or a cluster without (or with empty) per-arch data, as one slot', () => {
    for (const c of [
      worker('w', { aggregation_per_architecture: perArch }),
      cluster('c', { architecture: 'aarch64' }),
      cluster('c', { architecture: 'aarch64', aggregation_per_architecture: {} }),
    ]) {
      expect(hasPerArchitecture(c)).toBe(false);
      expect(capacitySlots(c)).toEqual([
        { architecture: c.kind === 'worker' ? 'amd64' : 'arm64', capacity: c.capacity },
      ]);
    }
    expect(capacitySlots(cluster('c'))[0]?.architecture).toBeUndefined();
  });
});

describe(combineCapacities.name, () => {
  it('adds amounts and averages utilisation', () => {
    expect(
      combineCapacities([
        capacity({ vcpus: 1, memory: 100, vgpus: 1, cpu_percent: 10, memory_percent: 20 }),
        capacity({ vcpus: 2, memory: 200, vgpus: 0, cpu_percent: 30, memory_percent: 40 }),
      ]),
    ).toEqual({ vcpus: 3, memory: 300, vgpus: 1, cpu_percent: 20, memory_percent: 30 });
    const one = capacity();
    expect(combineCapacities([one])).toBe(one);
  });
});
