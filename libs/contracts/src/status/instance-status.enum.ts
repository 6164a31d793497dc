/**
 * Oakestra's service/instance status names (reference/oakestra.md §1.6,
 * `oakestra_utils/types/statuses.py`). The strings are part of the public REST API and the
 * cluster/worker protocols: never rename.
 */

/** Scheduling in progress: the instance has a target but is not deployed yet. */
export const PositiveSchedulingStatus = {
  REQUESTED: 'REQUESTED',
  CLUSTER_SCHEDULED: 'CLUSTER_SCHEDULED',
  NODE_SCHEDULED: 'NODE_SCHEDULED',
} as const;
export type PositiveSchedulingStatus =
  (typeof PositiveSchedulingStatus)[keyof typeof PositiveSchedulingStatus];

/** Scheduling failed; the name says at which tier and why. */
export const NegativeSchedulingStatus = {
  TARGET_CLUSTER_NOT_FOUND: 'TargetClusterNotFound',
  TARGET_CLUSTER_NOT_ACTIVE: 'TargetClusterNotActive',
  TARGET_CLUSTER_NO_CAPACITY: 'TargetClusterNoCapacity',
  NO_ACTIVE_CLUSTER_WITH_CAPACITY: 'NoActiveClusterWithCapacity',
  NO_WORKER_CAPACITY: 'NO_WORKER_CAPACITY',
  NO_QUALIFIED_WORKER_FOUND: 'NO_QUALIFIED_WORKER_FOUND',
  NO_NODE_FOUND: 'NO_NODE_FOUND',
} as const;
export type NegativeSchedulingStatus =
  (typeof NegativeSchedulingStatus)[keyof typeof NegativeSchedulingStatus];

/** Lifecycle on the worker, reported by the node engine. */
export const DeploymentStatus = {
  CREATING: 'CREATING',
  CREATED: 'CREATED',
  RUNNING: 'RUNNING',
  FAILED: 'FAILED',
  DEAD: 'DEAD',
  COMPLETED: 'COMPLETED',
  UNDEPLOYED: 'UNDEPLOYED',
} as const;
export type DeploymentStatus = (typeof DeploymentStatus)[keyof typeof DeploymentStatus];

/** Every status an instance (and, by aggregation, a service) can have. */
export const InstanceStatus = {
  ...PositiveSchedulingStatus,
  ...NegativeSchedulingStatus,
  ...DeploymentStatus,
} as const;
export type InstanceStatus = PositiveSchedulingStatus | NegativeSchedulingStatus | DeploymentStatus;

export const POSITIVE_SCHEDULING_STATUSES: readonly PositiveSchedulingStatus[] =
  Object.values(PositiveSchedulingStatus);
export const NEGATIVE_SCHEDULING_STATUSES: readonly NegativeSchedulingStatus[] =
  Object.values(NegativeSchedulingStatus);
export const DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = Object.values(DeploymentStatus);
export const INSTANCE_STATUSES: readonly InstanceStatus[] = [
  ...POSITIVE_SCHEDULING_STATUSES,
  ...NEGATIVE_SCHEDULING_STATUSES,
  ...DEPLOYMENT_STATUSES,
];

function member<T extends string>(values: readonly T[]): (value: unknown) => value is T {
  const set: ReadonlySet<unknown> = new Set(values);
  return (value: unknown): value is T => set.has(value);
}

export const isInstanceStatus = member(INSTANCE_STATUSES);
export const isPositiveSchedulingStatus = member(POSITIVE_SCHEDULING_STATUSES);
export const isNegativeSchedulingStatus = member(NEGATIVE_SCHEDULING_STATUSES);
export const isDeploymentStatus = member(DEPLOYMENT_STATUSES);

/** The instance will not change by itself: one-shot finished, or removed on request. */
export const TERMINAL_STATUSES: readonly InstanceStatus[] = [
  DeploymentStatus.COMPLETED,
  DeploymentStatus.UNDEPLOYED,
];
export const isTerminalStatus = member(TERMINAL_STATUSES);

/**
 * The instance is not running and should be: crashed (FAILED, DEAD) or could not be placed.
 * Reconcile loops retry these; they are not terminal.
 */
export const FAILURE_STATUSES: readonly InstanceStatus[] = [
  DeploymentStatus.FAILED,
  DeploymentStatus.DEAD,
  ...NEGATIVE_SCHEDULING_STATUSES,
];
export const isFailureStatus = member(FAILURE_STATUSES);

/** Placed on a worker and alive or on its way to be. */
export const ACTIVE_DEPLOYMENT_STATUSES: readonly DeploymentStatus[] = [
  DeploymentStatus.CREATING,
  DeploymentStatus.CREATED,
  DeploymentStatus.RUNNING,
];
export const isActiveDeploymentStatus = member(ACTIVE_DEPLOYMENT_STATUSES);
