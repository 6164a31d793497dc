import { normalizeArchitecture, reservationFor, type ResourceAmounts } from '@canopy/placement';
import { toStoredVirtualization } from '@canopy/contracts';
import type { WorkerResources } from './resource-aggregation';

/**
 * CLUSTER_SIMULATED_CAPACITY: a dev/test-only stand-in for real workers, so placement at the
 * root can be exercised before workers can join (the worker handshake is the next issue). When
 * set, the cluster reports ONE virtual worker with this capacity, minus what the instances it
 * holds reserve. Never set it in production: the root would place work nobody can run.
 */
export interface SimulatedCapacity {
  /** Cores. */
  vcpus: number;
  /** MB. */
  memory: number;
  vgpus: number;
  /** GOARCH spelling (`amd64`, `arm64`); `x86_64`/`aarch64` are normalised. */
  architecture: string;
  /** Stored spelling (`container` becomes `docker`). */
  virtualization: string[];
  supported_addons: string[];
  csi_drivers: string[];
}

const KEYS = new Set([
  'vcpus',
  'memory',
  'vgpus',
  'architecture',
  'virtualization',
  'supported_addons',
  'csi_drivers',
]);

export function parseSimulatedCapacity(
  text: string,
): { ok: true; value: SimulatedCapacity } | { ok: false; error: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, error: 'must be JSON, e.g. {"vcpus":8,"memory":16384}' };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, error: 'must be a JSON object, e.g. {"vcpus":8,"memory":16384}' };
  }
  const o = parsed as Record<string, unknown>;
  const unknown = Object.keys(o).filter((k) => !KEYS.has(k));
  if (unknown.length > 0) return { ok: false, error: `unknown field(s): ${unknown.join(', ')}` };
  for (const key of ['vcpus', 'memory', 'vgpus'] as const) {
    const v = o[key];
    if (v === undefined && key === 'vgpus') continue;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      return { ok: false, error: `${key} must be a number >= 0` };
    }
  }
  if (o['architecture'] !== undefined && typeof o['architecture'] !== 'string') {
    return { ok: false, error: 'architecture must be a string such as "amd64"' };
  }
  for (const key of ['virtualization', 'supported_addons', 'csi_drivers'] as const) {
    const v = o[key];
    if (
      v !== undefined &&
      !(Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== ''))
    ) {
      return { ok: false, error: `${key} must be an array of non-empty strings` };
    }
  }
  const strings = (key: string): string[] => (o[key] as string[] | undefined) ?? [];
  return {
    ok: true,
    value: {
      vcpus: o['vcpus'] as number,
      memory: o['memory'] as number,
      vgpus: (o['vgpus'] as number | undefined) ?? 0,
      architecture: normalizeArchitecture((o['architecture'] as string | undefined) ?? 'amd64'),
      virtualization: [
        ...new Set(
          (o['virtualization'] === undefined ? ['docker'] : strings('virtualization')).map(
            toStoredVirtualization,
          ),
        ),
      ],
      supported_addons: strings('supported_addons'),
      csi_drivers: strings('csi_drivers'),
    },
  };
}

/** What the instances a cluster holds reserve, summed (vcpus, memory MB, vgpus). */
export function sumReservations(jobs: readonly Record<string, unknown>[]): ResourceAmounts {
  let vcpus = 0;
  let memory = 0;
  let vgpus = 0;
  for (const job of jobs) {
    const r = reservationFor({
      virtualization: String(job['virtualization'] ?? ''),
      vcpus: finite(job['vcpus']),
      memory: finite(job['memory']),
      vgpus: finite(job['vgpus']),
    });
    vcpus += r.vcpus;
    memory += r.memory;
    vgpus += r.vgpus;
  }
  return { vcpus, memory, vgpus };
}

/**
 * The one virtual worker CLUSTER_SIMULATED_CAPACITY stands for: its free amounts are the
 * capacity minus the reservations (never below 0), its utilisation the reserved share.
 */
export function simulatedWorker(
  capacity: SimulatedCapacity,
  reserved: ResourceAmounts,
): WorkerResources {
  const free = (total: number, used: number): number => Math.max(0, total - used);
  const percent = (total: number, used: number): number =>
    total > 0 ? Math.min(100, (used / total) * 100) : 0;
  return {
    architecture: capacity.architecture,
    vcpus: free(capacity.vcpus, reserved.vcpus),
    memory: free(capacity.memory, reserved.memory),
    vgpus: free(capacity.vgpus, reserved.vgpus),
    cpu_percent: percent(capacity.vcpus, reserved.vcpus),
    memory_percent: percent(capacity.memory, reserved.memory),
    virtualization: capacity.virtualization,
    supported_addons: capacity.supported_addons,
    csi_drivers: capacity.csi_drivers,
  };
}

function finite(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
