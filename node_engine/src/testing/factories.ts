import { instanceKey, specHash, type InstanceSpec } from '../desired/instance-spec';
import {
  DEFAULT_RECONCILE_POLICY,
  type DesiredInstance,
  type ObservedContainer,
  type ReconcileContext,
} from '../reconcile/reconcile.types';

/** Test factories (never imported by production code, so never bundled). */
export const factory = {
  spec(overrides: Partial<InstanceSpec> = {}): InstanceSpec {
    return {
      job_name: 'app.ns.web.ns',
      instance_number: 0,
      image: 'canopy/busybox:test',
      cmd: ['sleep', '3600'],
      environment: ['A=1'],
      virtualization: 'docker',
      vtpus: 0,
      vgpus: 0,
      vcpus: 1,
      memory: 64,
      storage: 0,
      one_shot: false,
      privileged: false,
      generation: 1,
      ...overrides,
    };
  },

  desired(
    overrides: Partial<InstanceSpec> = {},
    extra: Partial<DesiredInstance> = {},
  ): DesiredInstance {
    const spec = factory.spec(overrides);
    return {
      key: instanceKey(spec.job_name, spec.instance_number),
      spec,
      specHash: specHash(spec),
      ...extra,
    };
  },

  /** A container made from `d` (running unless overridden). */
  container(d: DesiredInstance, overrides: Partial<ObservedContainer> = {}): ObservedContainer {
    return {
      id: `c-${d.key}`,
      name: `${d.spec.job_name}.instance.${d.spec.instance_number}`,
      virtualization: d.spec.virtualization,
      key: d.key,
      jobName: d.spec.job_name,
      instanceNumber: d.spec.instance_number,
      generation: d.spec.generation,
      specHash: d.specHash,
      oneShot: d.spec.one_shot,
      state: 'running',
      oomKilled: false,
      startedAt: 1_000,
      image: d.spec.image,
      ...overrides,
    };
  },

  ctx(overrides: Partial<ReconcileContext> = {}): ReconcileContext {
    return {
      now: 100_000,
      localImages: new Set(['canopy/busybox:test']),
      restarts: new Map(),
      failures: new Map(),
      runtimes: new Set(['docker']),
      reported: new Set(),
      policy: DEFAULT_RECONCILE_POLICY,
      ...overrides,
    };
  },
};
