import { NegativeSchedulingStatus } from '@canopy/contracts';
import type { PlacementFailure } from './place';

/**
 * Root tier (candidates = clusters):
 * - `direct.cluster` named, no candidate has that name        → TargetClusterNotFound
 * - named, found, but none of them active                      → TargetClusterNotActive
 * - named, active, but rejected (resources or any other filter) → TargetClusterNoCapacity
 * - nothing named: no candidates, none active, or none fits    → NoActiveClusterWithCapacity
 *
 * For NotFound vs NotActive to be told apart, pass inactive clusters as candidates too.
 */
export function rootSchedulingStatus(failure: PlacementFailure): NegativeSchedulingStatus {
  const direct = failure.direct;
  if (direct !== undefined) {
    if (direct.found === 0) return NegativeSchedulingStatus.TARGET_CLUSTER_NOT_FOUND;
    if (direct.active === 0) return NegativeSchedulingStatus.TARGET_CLUSTER_NOT_ACTIVE;
    return NegativeSchedulingStatus.TARGET_CLUSTER_NO_CAPACITY;
  }
  return NegativeSchedulingStatus.NO_ACTIVE_CLUSTER_WITH_CAPACITY;
}

/**
 * Cluster tier (candidates = workers):
 * - `direct.node` names workers, none of which exists              → NO_NODE_FOUND
 * - some worker was rejected only for lack of free resources        → NO_WORKER_CAPACITY
 * - otherwise (runtime, architecture, constraints, inactive, none)  → NO_QUALIFIED_WORKER_FOUND
 */
export function clusterSchedulingStatus(failure: PlacementFailure): NegativeSchedulingStatus {
  if (failure.direct !== undefined && failure.direct.found === 0) {
    return NegativeSchedulingStatus.NO_NODE_FOUND;
  }
  if (failure.capacityOnly > 0) return NegativeSchedulingStatus.NO_WORKER_CAPACITY;
  return NegativeSchedulingStatus.NO_QUALIFIED_WORKER_FOUND;
}

/** The Oakestra status for a failed placement at the tier it ran at. */
export function negativeSchedulingStatus(failure: PlacementFailure): NegativeSchedulingStatus {
  return failure.tier === 'root' ? rootSchedulingStatus(failure) : clusterSchedulingStatus(failure);
}
