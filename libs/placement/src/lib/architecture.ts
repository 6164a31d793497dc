import type { CandidateView, CapacityView } from './types';

/** Other spellings of the Go GOARCH names workers report (`uname -m`, Debian, Docker). */
const ARCH_ALIASES: ReadonlyMap<string, string> = new Map([
  ['x86_64', 'amd64'],
  ['x64', 'amd64'],
  ['aarch64', 'arm64'],
  ['armv8', 'arm64'],
  ['armv7l', 'arm'],
  ['armhf', 'arm'],
  ['i386', '386'],
  ['i686', '386'],
]);

/** Lower-cases and maps aliases to GOARCH: `x86_64` → `amd64`, `aarch64` → `arm64`. */
export function normalizeArchitecture(arch: string): string {
  if (arch === 'amd64' || arch === 'arm64') return arch; // what workers report: no allocation
  const lower = arch.trim().toLowerCase();
  return ARCH_ALIASES.get(lower) ?? lower;
}

/** Whether a (raw) reported architecture is one the workload accepts; unknown never is. */
export function acceptsArchitecture(
  architecture: string | undefined,
  archs: ReadonlySet<string>,
): boolean {
  return architecture !== undefined && archs.has(normalizeArchitecture(architecture));
}

/** A part of a candidate that a workload must fit into as a whole. */
export interface CapacitySlot {
  /** Normalised architecture, undefined if unknown. */
  readonly architecture: string | undefined;
  readonly capacity: CapacityView;
}

/** True for a cluster that reports a non-empty `aggregation_per_architecture`. */
export function hasPerArchitecture(candidate: CandidateView): boolean {
  if (candidate.kind !== 'cluster' || candidate.aggregation_per_architecture === undefined) {
    return false;
  }
  for (const _arch in candidate.aggregation_per_architecture) return true;
  return false;
}

/**
 * A worker is one slot. A cluster with `aggregation_per_architecture` is one slot per
 * architecture; without it, one slot (its total, architecture as reported or unknown).
 */
export function capacitySlots(candidate: CandidateView): CapacitySlot[] {
  const perArch = candidate.aggregation_per_architecture;
  if (perArch !== undefined && hasPerArchitecture(candidate)) {
    return Object.entries(perArch).map(([architecture, capacity]) => ({
      architecture: normalizeArchitecture(architecture),
      capacity,
    }));
  }
  return [
    {
      architecture:
        candidate.architecture === undefined
          ? undefined
          : normalizeArchitecture(candidate.architecture),
      capacity: candidate.capacity,
    },
  ];
}

/** Slots whose architecture the workload accepts (all slots when it accepts any). */
export function eligibleSlots(
  candidate: CandidateView,
  archs: ReadonlySet<string> | undefined,
): CapacitySlot[] {
  const slots = capacitySlots(candidate);
  if (archs === undefined) return slots;
  return slots.filter((slot) => acceptsArchitecture(slot.architecture, archs));
}

/**
 * Several slots seen as one (for scoring a cluster whose workload fits several architectures):
 * amounts add up, utilisation is the plain mean.
 */
export function combineCapacities(capacities: readonly CapacityView[]): CapacityView {
  if (capacities.length === 1 && capacities[0] !== undefined) return capacities[0];
  let vcpus = 0;
  let memory = 0;
  let vgpus = 0;
  let cpuPercent = 0;
  let memoryPercent = 0;
  for (const c of capacities) {
    vcpus += c.vcpus;
    memory += c.memory;
    vgpus += c.vgpus;
    cpuPercent += c.cpu_percent;
    memoryPercent += c.memory_percent;
  }
  const n = Math.max(1, capacities.length);
  return { vcpus, memory, vgpus, cpu_percent: cpuPercent / n, memory_percent: memoryPercent / n };
}
