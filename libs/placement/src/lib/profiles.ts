import {
  activeFilter,
  addonsFilter,
  allowedClustersFilter,
  architectureFilter,
  directClusterFilter,
  directNodeFilter,
  geoFilter,
  labelsFilter,
  resourcesFilter,
  virtualizationFilter,
  volumesFilter,
  type FilterPlugin,
} from './filters';
import { bestFitScorer, spreadScorer, type WeightedScorer } from './scorers';
import type { CandidateKind, Tier } from './types';

/** Which plugins run, in which order, with which weights, at one tier. */
export interface Profile {
  readonly name: string;
  /** root: candidates are clusters; cluster: candidates are workers. */
  readonly tier: Tier;
  /** Run in this order, cheapest first; the first failing one names the rejection reason. */
  readonly filters: readonly FilterPlugin[];
  /** Weighted mean of their 0..100 scores; ties then go to `compareByNameThenId`. */
  readonly scorers: readonly WeightedScorer[];
  /**
   * Score at most this many feasible candidates (Nomad's LimitIterator, made deterministic:
   * the ones with the smallest FNV-1a hash of `seed + id`). Undefined = score all.
   */
  readonly maxCandidates?: number;
}

export const candidateKindOf = (tier: Tier): CandidateKind =>
  tier === 'root' ? 'cluster' : 'worker';

/**
 * Root scheduler over clusters' aggregated capacity. `direct.node` is not checked here (the
 * root cannot see workers); labels, addons, volumes and runtimes are checked against the
 * cluster's aggregate, a necessary condition the cluster tier then refines.
 */
export const rootProfile: Profile = {
  name: 'root',
  tier: 'root',
  filters: [
    activeFilter,
    virtualizationFilter,
    architectureFilter,
    resourcesFilter,
    directClusterFilter,
    allowedClustersFilter,
    geoFilter,
    labelsFilter,
    addonsFilter,
    volumesFilter,
  ],
  scorers: [{ scorer: bestFitScorer, weight: 1 }],
};

/**
 * Cluster scheduler over its workers. No `clusters` allow-list (the cluster is already chosen)
 * and no geo filter (geo picks the site, i.e. the cluster; workers need not report a
 * location). Add `geoFilter` to a custom profile to place by worker location.
 */
export const clusterProfile: Profile = {
  name: 'cluster',
  tier: 'cluster',
  filters: [
    activeFilter,
    virtualizationFilter,
    architectureFilter,
    resourcesFilter,
    directNodeFilter,
    labelsFilter,
    addonsFilter,
    volumesFilter,
  ],
  scorers: [{ scorer: bestFitScorer, weight: 1 }],
};

/** The same profile, scoring by spread (least loaded first) instead of best fit. */
export function withSpread(profile: Profile): Profile {
  return {
    ...profile,
    name: `${profile.name}-spread`,
    scorers: [{ scorer: spreadScorer, weight: 1 }],
  };
}
