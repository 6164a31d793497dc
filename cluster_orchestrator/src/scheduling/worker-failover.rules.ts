import { InstanceStatus } from '@canopy/contracts';
import type { ClusterInstance } from '../instances/cluster-instance.repository';
import type { Worker } from '../workers/worker.repository';

/**
 * Which instances leave a lost worker (DESIGN.md "Failure"): a worker that has been inactive
 * (silent, or offline by its last will) for longer than the grace period is considered lost,
 * and every instance placed on it that still wants to run is placed again elsewhere. Finished
 * one_shots (COMPLETED/DEAD) stay: running them again would run them twice. Pure.
 *
 * The grace period is what separates a reboot or a short network hiccup (the worker comes back
 * and keeps its containers) from a loss. When a lost worker comes back, the copies it still runs
 * are stray (no longer placed there) and it is told to remove them: the replacement wins and
 * no more copies run than were asked for, once the partition heals.
 */
export const STAYS_ON_LOST_WORKER: ReadonlySet<string> = new Set([
  InstanceStatus.COMPLETED,
  InstanceStatus.DEAD,
]);

/** True when the worker has been silent (or offline) for longer than `graceMs`. */
export function isWorkerLost(worker: Worker, now: Date, active: boolean, graceMs: number): boolean {
  return !active && now.getTime() - worker.last_seen.getTime() > graceMs;
}

export function instancesToMove(
  lostWorkerIds: ReadonlySet<string>,
  instances: readonly ClusterInstance[],
): ClusterInstance[] {
  return instances.filter(
    (i) => lostWorkerIds.has(i.worker_id) && !STAYS_ON_LOST_WORKER.has(i.status),
  );
}
