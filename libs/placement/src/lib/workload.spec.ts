import { ServiceJobDto, slaExample, slaUnikernelExample, validateSla } from '@canopy/contracts';
import { spec } from '../testing/fixtures';
import type { WorkloadSpec } from './types';
import { compileWorkload, parseDirectNodes, type CompiledWorkload } from './workload';

function compiled(s: WorkloadSpec): CompiledWorkload {
  const result = compileWorkload(s);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.value;
}

describe(parseDirectNodes.name, () => {
  it.each([
    ['worker1', ['worker1']],
    ['worker1;worker2', ['worker1', 'worker2']],
    [' worker1 ; worker2 ;', ['worker1', 'worker2']],
    [';;', []],
    ['', []],
  ])('%j → %j', (text, names) => {
    expect(parseDirectNodes(text)).toEqual(names);
  });
});

describe(compileWorkload.name, () => {
  it('normalises runtime and architectures, dedups lists, defaults vgpus', () => {
    const w = compiled({
      virtualization: 'container',
      arch: ['x86_64', 'ARM64', 'amd64'],
      vcpus: 1,
      memory: 100,
      volumes: [{ csi_driver: 'csi.a' }, { csi_driver: 'csi.a' }],
      constraints: [
        { type: 'addons', needs: ['gpu', 'tpm'] },
        { type: 'addons', needs: ['gpu'] },
      ],
      labels: { zone: 'hall-1' },
    });
    expect(w.virtualization).toBe('docker');
    expect([...(w.archs ?? [])]).toEqual(['amd64', 'arm64']);
    expect(w.reservation).toEqual({ vcpus: 1, memory: 100, vgpus: 0 });
    expect(w.csiDrivers).toEqual(['csi.a']);
    expect(w.addons).toEqual(['gpu', 'tpm']);
    expect(w.labels).toEqual([['zone', 'hall-1']]);
  });

  it('treats an empty arch list as any architecture', () => {
    expect(compiled(spec({ arch: [] })).archs).toBeUndefined();
  });

  it('splits direct constraints by tier and parses geo', () => {
    const w = compiled(
      spec({
        constraints: [
          { type: 'direct', cluster: ' cluster1 ', node: 'w1; w2' },
          { type: 'direct', node: '' },
          { type: 'clusters', allowed: [] },
          { type: 'clusters', allowed: ['a', 'b'] },
          { type: 'geo', location: '48.1374,11.5755', threshold: 500 },
        ],
      }),
    );
    expect(w.directClusters).toEqual(['cluster1']);
    expect(w.directNodes.map((s) => [...s])).toEqual([['w1', 'w2']]);
    expect(w.allowedClusters.map((s) => [...s])).toEqual([['a', 'b']]);
    expect(w.geo).toEqual([{ point: { lat: 48.1374, long: 11.5755 }, thresholdKm: 500 }]);
  });

  it('accepts latency constraints without enforcing them', () => {
    const w = compiled(spec({ constraints: [{ type: 'latency', location: '1,2', threshold: 5 }] }));
    expect(w.latency).toHaveLength(1);
  });

  it.each<[string, WorkloadSpec, string]>([
    ['empty runtime', spec({ virtualization: ' ' }), 'virtualization'],
    ['negative memory', spec({ memory: -1 }), 'memory'],
    ['NaN vcpus', spec({ vcpus: Number.NaN }), 'vcpus'],
    ['infinite vgpus', spec({ vgpus: Infinity }), 'vgpus'],
    [
      'geo without location',
      spec({ constraints: [{ type: 'geo', threshold: 5 }] }),
      'constraints[0].location',
    ],
    [
      'geo with bad location',
      spec({ constraints: [{ type: 'geo', location: 'Munich', threshold: 5 }] }),
      'constraints[0].location',
    ],
    [
      'geo without threshold',
      spec({ constraints: [{ type: 'geo', location: '1,2' }] }),
      'constraints[0].threshold',
    ],
    [
      'geo with negative threshold',
      spec({ constraints: [{ type: 'geo', location: '1,2', threshold: -1 }] }),
      'constraints[0].threshold',
    ],
  ])('rejects %s', (_name, s, path) => {
    const result = compileWorkload(s);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.path)).toEqual([path]);
  });

  it('takes a validated SLA microservice or stored service job as it is', () => {
    const sla = validateSla(slaExample());
    const uni = validateSla(slaUnikernelExample());
    if (!sla.ok || !uni.ok) throw new Error('fixtures must validate');
    const nginx: WorkloadSpec | undefined = sla.value.applications[0]?.microservices[1];
    const job: WorkloadSpec = new ServiceJobDto();
    expect(job).toBeDefined();
    const w = compiled(nginx as WorkloadSpec);
    expect(w.virtualization).toBe('docker');
    expect(w.directClusters).toEqual(['cluster1']);
    expect(w.directNodes.map((s) => [...s])).toEqual([['worker1', 'worker2']]);
    expect(w.csiDrivers).toEqual(['csi.oakestra.io/hostpath']);
    const unikernel = compiled(uni.value.applications[0]?.microservices[1] as WorkloadSpec);
    expect(unikernel.virtualization).toBe('unikernel');
    expect([...(unikernel.archs ?? [])]).toEqual(['amd64']);
  });
});
