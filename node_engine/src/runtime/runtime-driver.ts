import type { DesiredInstance, ObservedContainer } from '../reconcile/reconcile.types';

/** Usage of one instance, as `jobs/resources` reports it. */
export interface InstanceUsage {
  cpuPercent: number;
  memoryPercent: number;
  /** Writable layer size, MB (refreshed less often than CPU/memory). */
  diskMb: number;
}

export interface PullOptions {
  platform?: string;
  signal?: AbortSignal;
}

export interface LogsOptions {
  /** Lines from the end; undefined = all. */
  tail?: number;
  /** Keep streaming new output until the signal aborts. */
  follow?: boolean;
  signal?: AbortSignal;
  timestamps?: boolean;
}

/** The image is not in the runtime and cannot be pulled (unknown name, tag or repository). */
export class ImageNotFoundError extends Error {
  override readonly name = 'ImageNotFoundError';
}

/**
 * A container runtime as the reconcile loop sees it (Oakestra's runtime interface, §8: Deploy =
 * pull → create → start, Undeploy = stop → remove, plus list, stats and logs), one implementation
 * per `virtualization` name. Every method concerns only containers carrying this worker's
 * Canopy labels (`io.canopy.node_id`).
 */
export interface RuntimeDriver {
  /** The virtualization name deploys use for this runtime (`docker`). */
  readonly virtualization: string;
  /** Resolves when the runtime answers. */
  ping(): Promise<void>;
  /** This worker's containers. */
  list(): Promise<ObservedContainer[]>;
  /** Normalised references (normalizeImageRef) of the images present locally. */
  localImages(): Promise<Set<string>>;
  /** @throws ImageNotFoundError when the registry does not have it. */
  pull(image: string, options?: PullOptions): Promise<void>;
  /** Creates (does not start) the instance's container; returns its id. */
  create(instance: DesiredInstance): Promise<string>;
  start(containerId: string): Promise<void>;
  /** Graceful stop (SIGTERM, then SIGKILL after the timeout); a stopped container is fine. */
  stop(containerId: string, timeoutSeconds?: number): Promise<void>;
  /** Removes the container (forced); an absent container is fine. */
  remove(containerId: string): Promise<void>;
  /** Usage of the given running containers (missing entries: not measurable right now). */
  stats(containers: readonly ObservedContainer[]): Promise<Map<string, InstanceUsage>>;
  /** Output of a container (stdout and stderr interleaved), as text. */
  logs(containerId: string, options?: LogsOptions): Promise<string>;
  /** Streams output to `write` until the signal aborts or the container ends. */
  followLogs(
    containerId: string,
    write: (chunk: string) => void,
    options?: LogsOptions,
  ): Promise<void>;
  /** Calls `onChange` when one of this worker's containers starts, dies or vanishes. */
  watch(onChange: () => void): { close(): void };
  /** Ends event watching and releases connections. */
  close(): void;
}

/** Drivers by virtualization name. */
export type RuntimeRegistry = ReadonlyMap<string, RuntimeDriver>;

export function runtimeRegistry(drivers: readonly RuntimeDriver[]): RuntimeRegistry {
  return new Map(drivers.map((d) => [d.virtualization, d]));
}
