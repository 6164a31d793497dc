import {
  aggregate,
  aggregateWorkers,
  averageIgnoringZeros,
  UNKNOWN_ARCHITECTURE,
  type WorkerResources,
} from './resource-aggregation';

function worker(overrides: Partial<WorkerResources> = {}): WorkerResources {
  return {
    architecture: 'amd64',
    cpu_percent: 0,
    memory_percent: 0,
    vcpus: 4,
    memory: 1024,
    vgpus: 0,
    virtualization: ['docker'],
    ...overrides,
  };
}

describe('resource aggregation (reference §4.3)', () => {
  it('is all zeros and empty lists with no workers', () => {
    expect(aggregateWorkers([])).toEqual({
      aggregate: {
        cpu_percent: 0,
        memory_percent: 0,
        vcpus: 0,
        memory: 0,
        vram: 0,
        vgpus: 0,
        virtualization: [],
        supported_addons: [],
        csi_drivers: [],
        gpu_drivers: [],
        active_nodes: 0,
        vram_percent: 0,
        gpu_temp: 0,
        gpu_percent: 0,
      },
      aggregation_per_architecture: {},
    });
  });

  it.each<[string, number[], number]>([
    ['no values', [], 0],
    ['only zeros', [0, 0], 0],
    ['zeros are ignored', [0, 50, 100], 75],
    ['non-finite values are ignored', [Number.NaN, 20, Number.POSITIVE_INFINITY], 20],
    ['one value', [42], 42],
  ])('averages ignoring zeros: %s', (_name, values, expected) => {
    expect(averageIgnoringZeros(values)).toBe(expected);
  });

  it('sums capacities, averages percentages, unions lists, counts nodes', () => {
    const result = aggregate([
      worker({ cpu_percent: 10, memory_percent: 0, vcpus: 4, memory: 1000, vgpus: 1, vram: 512 }),
      worker({
        cpu_percent: 30,
        memory_percent: 60,
        vcpus: 2,
        memory: 500,
        virtualization: ['docker', 'unikernel'],
        supported_addons: ['flops'],
        csi_drivers: ['csi.a', 'csi.a'],
        gpu_drivers: ['cuda'],
        gpu_percent: 40,
      }),
    ]);
    expect(result).toEqual({
      cpu_percent: 20,
      memory_percent: 60,
      vcpus: 6,
      memory: 1500,
      vram: 512,
      vgpus: 1,
      virtualization: ['docker', 'unikernel'],
      supported_addons: ['flops'],
      csi_drivers: ['csi.a'],
      gpu_drivers: ['cuda'],
      active_nodes: 2,
      vram_percent: 0,
      gpu_temp: 0,
      gpu_percent: 40,
    });
  });

  it('aggregates per architecture, so 2 × 1 GB arm64 + 4 GB amd64 is not one 6 GB machine', () => {
    const result = aggregateWorkers([
      worker({ architecture: 'arm64', memory: 1024, vcpus: 1 }),
      worker({ architecture: 'amd64', memory: 4096, vcpus: 4 }),
      worker({ architecture: 'arm64', memory: 1024, vcpus: 1 }),
    ]);
    expect(result.aggregate.memory).toBe(6144);
    expect(Object.keys(result.aggregation_per_architecture)).toEqual(['amd64', 'arm64']);
    expect(result.aggregation_per_architecture['arm64']).toMatchObject({
      memory: 2048,
      vcpus: 2,
      active_nodes: 2,
    });
    expect(result.aggregation_per_architecture['amd64']).toMatchObject({
      memory: 4096,
      active_nodes: 1,
    });
  });

  it('groups workers without an architecture under "unknown"', () => {
    const result = aggregateWorkers([worker({ architecture: ' ' })]);
    expect(Object.keys(result.aggregation_per_architecture)).toEqual([UNKNOWN_ARCHITECTURE]);
  });

  it('never counts negative or non-finite capacities', () => {
    expect(aggregate([worker({ vcpus: -2, memory: Number.NaN })])).toMatchObject({
      vcpus: 0,
      memory: 0,
    });
  });
});
