import { acceptsArchitecture, eligibleSlots, hasPerArchitecture } from './architecture';
import { haversineKm } from './geo';
import { RejectionReason, type ReasonCode } from './reasons';
import { firstShortfall, RESOURCE_KEYS, type ResourceKey } from './reservation';
import type { CandidateView } from './types';
import type { CompiledWorkload } from './workload';

/** A filter's judgement of one candidate (Kubernetes `Filter` → `Status`). */
export type Verdict =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly reason: ReasonCode;
      /** For logs and explanations, e.g. `needs 512 MB memory, has 256 MB`. */
      readonly message: string;
      /**
       * Set when the candidate is only short of free resources right now. The pipeline then
       * keeps checking the remaining filters: a candidate counts as "full" only if it is
       * otherwise qualified (NO_WORKER_CAPACITY vs NO_QUALIFIED_WORKER_FOUND).
       */
      readonly capacity?: boolean;
    };

/** The shared "passed" verdict (filters allocate nothing for a passing candidate). */
export const PASS: Verdict = { ok: true };

const reject = (reason: ReasonCode, message: string, capacity?: boolean): Verdict =>
  capacity ? { ok: false, reason, message, capacity } : { ok: false, reason, message };

/** Judges one candidate in O(1) or O(size of the constraint); must be pure. */
export interface FilterPlugin {
  readonly name: string;
  filter(workload: CompiledWorkload, candidate: CandidateView): Verdict;
}

/** `a, b, c` (at most 5 shown, so a long `direct.node` list costs nothing per candidate). */
function list(values: ReadonlySet<string> | readonly string[]): string {
  const size = 'size' in values ? values.size : values.length;
  if (size === 0) return 'none';
  const shown: string[] = [];
  for (const value of values) {
    if (shown.length === 5) break;
    shown.push(value);
  }
  return size > 5 ? `${shown.join(', ')}, … (${size - 5} more)` : shown.join(', ');
}

function shortfallVerdict(w: CompiledWorkload, key: ResourceKey, best: number): Verdict {
  return reject(
    SHORTFALL_REASON[key],
    `needs ${w.reservation[key]}${UNIT[key]}, has ${Number.isFinite(best) ? best : 'unknown'}`,
    true,
  );
}

export const activeFilter: FilterPlugin = {
  name: 'active',
  filter: (_w, c) => (c.active ? PASS : reject(RejectionReason.INACTIVE, 'not active')),
};

/** The workload's runtime must be among the candidate's (`container` counts as `docker`). */
export const virtualizationFilter: FilterPlugin = {
  name: 'virtualization',
  filter: (w, c) => {
    for (const v of c.virtualization) {
      if (v === w.virtualization || (v === 'container' && w.virtualization === 'docker')) {
        return PASS;
      }
    }
    return reject(
      RejectionReason.VIRTUALIZATION,
      `runtime ${w.virtualization} not in [${list(c.virtualization)}]`,
    );
  },
};

/**
 * When the workload lists architectures, the candidate must offer one: a worker its own, a
 * cluster one of its `aggregation_per_architecture` keys. Unknown architecture fails.
 */
export const architectureFilter: FilterPlugin = {
  name: 'architecture',
  filter: (w, c) => {
    if (w.archs === undefined) return PASS;
    if (!hasPerArchitecture(c)) {
      if (acceptsArchitecture(c.architecture, w.archs)) return PASS;
    } else if (eligibleSlots(c, w.archs).length > 0) {
      return PASS;
    }
    return reject(
      RejectionReason.ARCHITECTURE,
      `needs ${list(w.archs)}, has ${list(eligibleSlots(c, undefined).map((s) => s.architecture ?? 'unknown'))}`,
    );
  },
};

const SHORTFALL_REASON: Readonly<Record<ResourceKey, RejectionReason>> = {
  vcpus: RejectionReason.INSUFFICIENT_CPU,
  memory: RejectionReason.INSUFFICIENT_MEMORY,
  vgpus: RejectionReason.INSUFFICIENT_GPU,
};
const UNIT: Readonly<Record<ResourceKey, string>> = {
  vcpus: ' vCPUs',
  memory: ' MB memory',
  vgpus: ' vGPUs',
};

/**
 * `available ≥ requested` for vcpus, memory and vgpus, all within ONE capacity slot (a worker,
 * or one architecture of a cluster; see `capacitySlots`). Reports the first resource (vcpus,
 * memory, vgpus) that no eligible slot has enough of; if every resource is available
 * somewhere but never all on one architecture, `insufficient_resources`.
 */
export const resourcesFilter: FilterPlugin = {
  name: 'resources',
  filter: (w, c) => {
    if (!hasPerArchitecture(c)) {
      // Fast path (every worker, most clusters): one slot, no allocation.
      if (w.archs !== undefined && !acceptsArchitecture(c.architecture, w.archs)) {
        return reject(RejectionReason.ARCHITECTURE, `no capacity for ${list(w.archs)}`);
      }
      const key = firstShortfall(c.capacity, w.reservation);
      return key === undefined ? PASS : shortfallVerdict(w, key, c.capacity[key]);
    }
    const slots = eligibleSlots(c, w.archs);
    if (slots.length === 0) {
      return reject(RejectionReason.ARCHITECTURE, `no capacity for ${list(w.archs ?? [])}`);
    }
    for (const slot of slots) {
      if (firstShortfall(slot.capacity, w.reservation) === undefined) return PASS;
    }
    for (const key of RESOURCE_KEYS) {
      let best = -Infinity;
      for (const slot of slots) best = Math.max(best, slot.capacity[key]);
      if (!(best >= w.reservation[key])) return shortfallVerdict(w, key, best);
    }
    return reject(
      RejectionReason.INSUFFICIENT_RESOURCES,
      `needs ${w.reservation.vcpus} vCPUs, ${w.reservation.memory} MB, ${w.reservation.vgpus} vGPUs on one architecture`,
      true,
    );
  },
};

/** Root tier: `direct.cluster` must be this cluster's name. `direct.node` is not looked at. */
export const directClusterFilter: FilterPlugin = {
  name: 'direct',
  filter: (w, c) => {
    for (const cluster of w.directClusters) {
      if (cluster !== c.name) return reject(RejectionReason.DIRECT, `not cluster ${cluster}`);
    }
    return PASS;
  },
};

/** Cluster tier: the worker's name must be in the `direct.node` list (`a;b`). */
export const directNodeFilter: FilterPlugin = {
  name: 'direct',
  filter: (w, c) => {
    for (const nodes of w.directNodes) {
      if (!nodes.has(c.name)) return reject(RejectionReason.DIRECT, `not in [${list(nodes)}]`);
    }
    return PASS;
  },
};

/** Root tier: the cluster's name must be in every non-empty `clusters.allowed` list. */
export const allowedClustersFilter: FilterPlugin = {
  name: 'clusters',
  filter: (w, c) => {
    for (const allowed of w.allowedClusters) {
      if (!allowed.has(c.name)) {
        return reject(RejectionReason.CLUSTERS, `not in allowed [${list(allowed)}]`);
      }
    }
    return PASS;
  },
};

/** Haversine distance from each geo constraint's location ≤ its threshold (km). */
export const geoFilter: FilterPlugin = {
  name: 'geo',
  filter: (w, c) => {
    if (w.geo.length === 0) return PASS;
    if (c.location === undefined) return reject(RejectionReason.NO_LOCATION, 'no location');
    for (const { point, thresholdKm } of w.geo) {
      const km = haversineKm(point, c.location);
      if (!(km <= thresholdKm)) {
        return reject(
          RejectionReason.GEO,
          `${km.toFixed(1)} km from ${point.lat},${point.long} (max ${thresholdKm} km)`,
        );
      }
    }
    return PASS;
  },
};

/** Every required label must be offered with exactly the required value. */
export const labelsFilter: FilterPlugin = {
  name: 'labels',
  filter: (w, c) => {
    for (const [key, value] of w.labels) {
      const offered = Object.hasOwn(c.labels, key) ? c.labels[key] : undefined;
      const ok =
        offered !== undefined &&
        (typeof offered === 'string' ? offered === value : offered.includes(value));
      if (!ok) {
        return reject(
          RejectionReason.LABELS,
          `label ${key}=${value} not offered (has ${offered === undefined ? 'none' : JSON.stringify(offered)})`,
        );
      }
    }
    return PASS;
  },
};

/** `addons.needs` ⊆ `supported_addons`. */
export const addonsFilter: FilterPlugin = {
  name: 'addons',
  filter: (w, c) => {
    if (w.addons.length === 0) return PASS;
    const missing = w.addons.filter((addon) => !c.supported_addons.includes(addon));
    return missing.length === 0
      ? PASS
      : reject(RejectionReason.ADDONS, `missing addons [${list(missing)}]`);
  },
};

/** Every volume's `csi_driver` ∈ `csi_drivers`. */
export const volumesFilter: FilterPlugin = {
  name: 'volumes',
  filter: (w, c) => {
    if (w.csiDrivers.length === 0) return PASS;
    const missing = w.csiDrivers.filter((driver) => !c.csi_drivers.includes(driver));
    return missing.length === 0
      ? PASS
      : reject(RejectionReason.VOLUMES, `missing CSI drivers [${list(missing)}]`);
  },
};
