// Builders for specs only (not exported from the package).
import type { CandidateView, CapacityView, WorkloadSpec } from '../lib/types';

export function capacity(overrides: Partial<CapacityView> = {}): CapacityView {
  return { vcpus: 4, memory: 4096, vgpus: 0, cpu_percent: 10, memory_percent: 10, ...overrides };
}

type CandidateOverrides = Partial<Omit<CandidateView, 'capacity'>> & {
  capacity?: Partial<CapacityView>;
};

export function worker(name: string, overrides: CandidateOverrides = {}): CandidateView {
  const { capacity: cap, ...rest } = overrides;
  return {
    id: `id-${name}`,
    name,
    kind: 'worker',
    active: true,
    capacity: capacity(cap),
    virtualization: ['docker'],
    architecture: 'amd64',
    supported_addons: [],
    csi_drivers: [],
    labels: {},
    ...rest,
  };
}

export function cluster(name: string, overrides: CandidateOverrides = {}): CandidateView {
  const { capacity: cap, ...rest } = overrides;
  return {
    id: `id-${name}`,
    name,
    kind: 'cluster',
    active: true,
    capacity: capacity(cap),
    virtualization: ['docker'],
    supported_addons: [],
    csi_drivers: [],
    labels: {},
    ...rest,
  };
}

export function spec(overrides: Partial<WorkloadSpec> = {}): WorkloadSpec {
  return { virtualization: 'docker', vcpus: 1, memory: 512, vgpus: 0, ...overrides };
}

/** Deterministic permutations for order-independence tests (mulberry32). */
export function shuffled<T>(items: readonly T[], seed: number): T[] {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(next() * (i + 1));
    const a = out[i] as T;
    out[i] = out[j] as T;
    out[j] = a;
  }
  return out;
}

/** Munich and Berlin city centres; great-circle distance ≈ 504.29 km. */
export const MUNICH = { lat: 48.1374, long: 11.5755 } as const;
export const BERLIN = { lat: 52.52, long: 13.405 } as const;
