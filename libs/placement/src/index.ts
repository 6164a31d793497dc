// Public API of @canopy/placement: the pure filter/score pipeline shared by the root scheduler
// (candidates = clusters) and the cluster scheduler (candidates = workers). No I/O, no clock,
// no randomness; imported by server apps and may be imported by the node engine.

export type {
  CandidateKind,
  CandidateView,
  CapacityView,
  GeoPoint,
  LabelValue,
  ResourceAmounts,
  Tier,
  WorkloadConstraint,
  WorkloadSpec,
} from './lib/types';
export {
  compileWorkload,
  parseDirectNodes,
  workloadSpecOfJob,
  type CompiledWorkload,
  type GeoRequirement,
} from './lib/workload';
export {
  reservationFor,
  fitsAfterReservation,
  remainingAfterReservation,
  firstShortfall,
  RESOURCE_KEYS,
  type ResourceKey,
} from './lib/reservation';
export { haversineKm, parseLocation, EARTH_RADIUS_KM } from './lib/geo';
export {
  normalizeArchitecture,
  acceptsArchitecture,
  hasPerArchitecture,
  capacitySlots,
  eligibleSlots,
  combineCapacities,
  type CapacitySlot,
} from './lib/architecture';
export {
  RejectionReason,
  CAPACITY_REASONS,
  describeRejections,
  reasonPhrase,
  countNoun,
  type ReasonCode,
} from './lib/reasons';
export {
  PASS,
  activeFilter,
  virtualizationFilter,
  architectureFilter,
  resourcesFilter,
  directClusterFilter,
  directNodeFilter,
  allowedClustersFilter,
  geoFilter,
  labelsFilter,
  addonsFilter,
  volumesFilter,
  type FilterPlugin,
  type Verdict,
} from './lib/filters';
export {
  bestFitScorer,
  spreadScorer,
  compareByNameThenId,
  type FeasibleCandidate,
  type ScorePlugin,
  type WeightedScorer,
} from './lib/scorers';
export {
  rootProfile,
  clusterProfile,
  withSpread,
  candidateKindOf,
  type Profile,
} from './lib/profiles';
export {
  place,
  fnv1a,
  type PlacementOptions,
  type PlacementResult,
  type PlacementSuccess,
  type PlacementFailure,
  type ScoredCandidate,
  type Rejections,
  type DirectTargetSummary,
} from './lib/place';
export {
  rootSchedulingStatus,
  clusterSchedulingStatus,
  negativeSchedulingStatus,
} from './lib/status';
