import type Docker from 'dockerode';

/** The parts of a Docker stats sample usage is computed from. */
export interface CpuSample {
  containerTotal: number;
  systemTotal: number;
}

/**
 * CPU usage between two samples as a share of the whole machine, 0-100 (Oakestra's
 * definition: process-tree CPU divided by the number of cores). Undefined on the first sample or
 * when the counters went backwards (container restarted).
 */
export function cpuPercent(
  previous: CpuSample | undefined,
  current: CpuSample,
): number | undefined {
  if (previous === undefined) return undefined;
  const container = current.containerTotal - previous.containerTotal;
  const system = current.systemTotal - previous.systemTotal;
  if (container < 0 || system <= 0) return undefined;
  return round2(Math.min(100, (container / system) * 100));
}

export function cpuSample(stats: Docker.ContainerStats): CpuSample | undefined {
  const c = stats.cpu_stats;
  if (!c?.cpu_usage || typeof c.system_cpu_usage !== 'number') return undefined;
  return { containerTotal: c.cpu_usage.total_usage, systemTotal: c.system_cpu_usage };
}

/**
 * Memory in use (without reclaimable page cache, like `docker stats`) as a percentage of the
 * container's limit (or of the host's memory when it has none).
 */
export function memoryPercent(stats: Docker.ContainerStats): number {
  const m = stats.memory_stats as
    { usage?: number; limit?: number; stats?: Record<string, number> } | undefined;
  if (!m?.usage || !m.limit) return 0;
  const s = m.stats ?? {};
  // cgroup v2: inactive_file; v1: total_inactive_file (newer engines) or cache.
  const cache = s['inactive_file'] ?? s['total_inactive_file'] ?? s['cache'] ?? 0;
  const used = Math.max(0, m.usage - (cache < m.usage ? cache : 0));
  return round2((used / m.limit) * 100);
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}
