import type { FinishedRecord } from '../desired/desired-set';
import type { InstanceKey, InstanceSpec } from '../desired/instance-spec';

/** One instance the cluster wants on this worker (from the persisted desired set). */
export interface DesiredInstance {
  key: InstanceKey;
  spec: InstanceSpec;
  /** specHash(spec): compared with the container's label to decide on replacement. */
  specHash: string;
  /** Set once a one-shot instance has ended: it is never run again for this generation. */
  finished?: FinishedRecord;
}

export type ContainerState =
  'created' | 'running' | 'paused' | 'restarting' | 'exited' | 'dead' | 'removing';

/** A container carrying this worker's Canopy labels, as the runtime reports it. */
export interface ObservedContainer {
  id: string;
  name: string;
  /** Runtime that owns it (`docker`). */
  virtualization: string;
  /** From the labels; undefined when the labels are missing or unreadable (then it is removed). */
  key?: InstanceKey;
  jobName?: string;
  instanceNumber?: number;
  generation?: number;
  specHash?: string;
  oneShot: boolean;
  state: ContainerState;
  exitCode?: number;
  oomKilled: boolean;
  /** Epoch ms; undefined when never started. */
  startedAt?: number;
  finishedAt?: number;
  /** Runtime's error text for a failed start, if any. */
  error?: string;
  image: string;
  /** Raw `io.canopy.spec` label: the deploy the container was made from (desired-set recovery). */
  specLabel?: string;
}

/** Restarts the worker made of a long-running instance after it exited (kept in memory). */
export interface RestartRecord {
  /** Total restarts, reported upward. */
  count: number;
  /** Restarts since the instance last ran long enough to count as healthy: drives the backoff. */
  consecutive: number;
}

export type FailurePhase = 'pull' | 'create' | 'start' | 'restart';

/** Last failed attempt to bring an instance up; gates retries with backoff. */
export interface FailureRecord {
  specHash: string;
  generation?: number;
  phase: FailurePhase;
  reason: string;
  /** Failed attempts so far for this spec (1 after the first failure). */
  attempts: number;
  /** Epoch ms of the last failure. */
  at: number;
}

export interface ReconcilePolicy {
  /** First restart/retry delay. */
  backoffBaseMs: number;
  /** Longest restart/retry delay. */
  backoffMaxMs: number;
  /** A service that ran this long before exiting starts its backoff from the beginning again. */
  backoffResetMs: number;
  /** Honour `privileged: true` in deploys. */
  allowPrivileged: boolean;
}

export const DEFAULT_RECONCILE_POLICY: ReconcilePolicy = {
  backoffBaseMs: 1_000,
  backoffMaxMs: 60_000,
  backoffResetMs: 60_000,
  allowPrivileged: false,
};

/** Everything besides containers and desired instances that step inference depends on. */
export interface ReconcileContext {
  now: number;
  /** Normalised references of the images present in the runtime (normalizeImageRef). */
  localImages: ReadonlySet<string>;
  restarts: ReadonlyMap<InstanceKey, RestartRecord>;
  failures: ReadonlyMap<InstanceKey, FailureRecord>;
  /** Virtualizations this worker has a driver for (`docker`). */
  runtimes: ReadonlySet<string>;
  /** Instances whose last reported status is not UNDEPLOYED (to report their removal). */
  reported: ReadonlySet<InstanceKey>;
  policy: ReconcilePolicy;
}
