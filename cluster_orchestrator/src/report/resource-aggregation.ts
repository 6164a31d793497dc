/**
 * Oakestra's canonical aggregation of a cluster's ACTIVE workers into the report the root sees
 * (reference/oakestra.md §4.3, `clients/resource_aggregation.py`):
 * - `cpu_percent`, `memory_percent`, `vram_percent`, `gpu_temp`, `gpu_percent`: average over
 *   the workers that report a non-zero value (a worker reporting 0 usually has no such device);
 * - `vcpus`, `memory`, `vram`, `vgpus`: sums (free amounts);
 * - `virtualization`, `supported_addons`, `gpu_drivers`, `csi_drivers`: union, first-seen order
 *   (Oakestra concatenates the first three; Canopy de-duplicates them all: a list that says
 *   "docker" five times carries no more information, and placement only tests membership);
 * - `active_nodes`: the number of workers;
 * plus the same aggregate per worker architecture (`aggregation_per_architecture`).
 *
 * Pure: the report builder passes whatever workers are active (or the simulated one).
 */

/** One worker's resources, as the cluster knows them from its `information` reports. */
export interface WorkerResources {
  /** GOARCH (`amd64`, `arm64`); '' when unknown. */
  architecture: string;
  cpu_percent: number;
  memory_percent: number;
  /** Cores. */
  vcpus: number;
  /** Free memory, MB. */
  memory: number;
  vgpus: number;
  /** GPU memory, MB. */
  vram?: number;
  vram_percent?: number;
  gpu_temp?: number;
  gpu_percent?: number;
  virtualization: readonly string[];
  supported_addons?: readonly string[];
  csi_drivers?: readonly string[];
  gpu_drivers?: readonly string[];
}

/** Field for field the proto's ResourceAggregate. */
export interface Aggregate {
  cpu_percent: number;
  memory_percent: number;
  vcpus: number;
  memory: number;
  vram: number;
  vgpus: number;
  virtualization: string[];
  supported_addons: string[];
  csi_drivers: string[];
  gpu_drivers: string[];
  active_nodes: number;
  vram_percent: number;
  gpu_temp: number;
  gpu_percent: number;
}

export interface AggregatedResources {
  aggregate: Aggregate;
  aggregation_per_architecture: Record<string, Aggregate>;
}

/** Architecture key used for workers that do not report one. */
export const UNKNOWN_ARCHITECTURE = 'unknown';

export function aggregateWorkers(workers: readonly WorkerResources[]): AggregatedResources {
  const byArch = new Map<string, WorkerResources[]>();
  for (const worker of workers) {
    const arch = worker.architecture.trim() === '' ? UNKNOWN_ARCHITECTURE : worker.architecture;
    const list = byArch.get(arch) ?? [];
    list.push(worker);
    byArch.set(arch, list);
  }
  const perArch: Record<string, Aggregate> = {};
  for (const arch of [...byArch.keys()].sort()) perArch[arch] = aggregate(byArch.get(arch) ?? []);
  return { aggregate: aggregate(workers), aggregation_per_architecture: perArch };
}

export function aggregate(workers: readonly WorkerResources[]): Aggregate {
  return {
    cpu_percent: averageIgnoringZeros(workers.map((w) => w.cpu_percent)),
    memory_percent: averageIgnoringZeros(workers.map((w) => w.memory_percent)),
    vcpus: sum(workers.map((w) => w.vcpus)),
    memory: sum(workers.map((w) => w.memory)),
    vram: sum(workers.map((w) => w.vram ?? 0)),
    vgpus: sum(workers.map((w) => w.vgpus)),
    virtualization: union(workers.map((w) => w.virtualization)),
    supported_addons: union(workers.map((w) => w.supported_addons ?? [])),
    csi_drivers: union(workers.map((w) => w.csi_drivers ?? [])),
    gpu_drivers: union(workers.map((w) => w.gpu_drivers ?? [])),
    active_nodes: workers.length,
    vram_percent: averageIgnoringZeros(workers.map((w) => w.vram_percent ?? 0)),
    gpu_temp: averageIgnoringZeros(workers.map((w) => w.gpu_temp ?? 0)),
    gpu_percent: averageIgnoringZeros(workers.map((w) => w.gpu_percent ?? 0)),
  };
}

/** Mean of the finite non-zero values; 0 when there are none. */
export function averageIgnoringZeros(values: readonly number[]): number {
  const counted = values.filter((v) => Number.isFinite(v) && v !== 0);
  return counted.length === 0 ? 0 : sum(counted) / counted.length;
}

function sum(values: readonly number[]): number {
  let total = 0;
  for (const v of values) if (Number.isFinite(v) && v > 0) total += v;
  return total;
}

function union(lists: readonly (readonly string[])[]): string[] {
  const seen = new Set<string>();
  for (const list of lists) for (const item of list) if (item !== '') seen.add(item);
  return [...seen];
}
