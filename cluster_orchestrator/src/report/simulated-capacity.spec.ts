import { parseSimulatedCapacity, simulatedWorker, sumReservations } from './simulated-capacity';

describe('CLUSTER_SIMULATED_CAPACITY', () => {
  it('parses the documented example and applies defaults', () => {
    expect(
      parseSimulatedCapacity(
        '{"vcpus":8,"memory":16384,"architecture":"amd64","virtualization":["docker"]}',
      ),
    ).toEqual({
      ok: true,
      value: {
        vcpus: 8,
        memory: 16384,
        vgpus: 0,
        architecture: 'amd64',
        virtualization: ['docker'],
        supported_addons: [],
        csi_drivers: [],
      },
    });
  });

  it('normalises the architecture and runtime spellings', () => {
    const result = parseSimulatedCapacity(
      '{"vcpus":2,"memory":512,"architecture":"aarch64","virtualization":["container","unikernel"]}',
    );
    expect(result.ok && result.value).toMatchObject({
      architecture: 'arm64',
      virtualization: ['docker', 'unikernel'],
    });
  });

  it('defaults to amd64 and docker', () => {
    const result = parseSimulatedCapacity('{"vcpus":1,"memory":1}');
    expect(result.ok && result.value).toMatchObject({
      architecture: 'amd64',
      virtualization: ['docker'],
    });
  });

  it.each([
    ['nope', 'must be JSON'],
    ['[1]', 'must be a JSON object'],
    ['{"memory":1}', 'vcpus must be a number >= 0'],
    ['{"vcpus":1,"memory":-1}', 'memory must be a number >= 0'],
    ['{"vcpus":1,"memory":1,"vgpus":"2"}', 'vgpus must be a number >= 0'],
    ['{"vcpus":1,"memory":1,"cpu":2}', 'unknown field(s): cpu'],
    ['{"vcpus":1,"memory":1,"architecture":5}', 'architecture must be a string'],
    ['{"vcpus":1,"memory":1,"virtualization":"docker"}', 'virtualization must be an array'],
  ])('refuses %s', (text, message) => {
    const result = parseSimulatedCapacity(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain(message);
  });

  it('sums the reservations of held jobs, ignoring junk', () => {
    expect(
      sumReservations([
        { vcpus: 1, memory: 100, virtualization: 'docker' },
        { vcpus: 2, memory: 200, vgpus: 1 },
        { vcpus: 'x', memory: -5 },
      ]),
    ).toEqual({ vcpus: 3, memory: 300, vgpus: 1 });
  });

  it('reports free capacity and the reserved share, never below zero', () => {
    const capacity = {
      vcpus: 4,
      memory: 1000,
      vgpus: 0,
      architecture: 'amd64',
      virtualization: ['docker'],
      supported_addons: [],
      csi_drivers: [],
    };
    expect(simulatedWorker(capacity, { vcpus: 1, memory: 250, vgpus: 0 })).toMatchObject({
      vcpus: 3,
      memory: 750,
      cpu_percent: 25,
      memory_percent: 25,
    });
    expect(simulatedWorker(capacity, { vcpus: 9, memory: 2000, vgpus: 1 })).toMatchObject({
      vcpus: 0,
      memory: 0,
      vgpus: 0,
      cpu_percent: 100,
      memory_percent: 100,
    });
  });
});
