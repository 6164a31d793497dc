import type { ControlDeleteDto, DeploymentStatus } from '@canopy/contracts';
import { instanceKey, type InstanceKey, type InstanceSpec } from './instance-spec';

/** How a one-shot instance ended; kept so that a vanished container is not run again. */
export interface FinishedRecord {
  status: Extract<DeploymentStatus, 'COMPLETED' | 'DEAD'>;
  exitCode: number;
  at: string;
}

export interface DesiredRecord {
  spec: InstanceSpec;
  receivedAt: string;
  finished?: FinishedRecord;
}

/**
 * A delete seen for an instance: deploys of the same service with a generation at or below it
 * are stale. `serviceId` is the deleted service's id when known: a deploy of ANOTHER service
 * under the same job name (the app was deleted and created again) is a new lineage whose
 * generations start over, so the tombstone does not apply to it.
 */
export interface Tombstone {
  generation: number;
  at: string;
  serviceId?: string;
}

/** Two service ids name different lineages only when both are known and differ. */
function otherLineage(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a !== b;
}

/** The worker's desired instance set. Immutable: every change returns a new value. */
export interface DesiredSet {
  readonly instances: ReadonlyMap<InstanceKey, DesiredRecord>;
  readonly tombstones: ReadonlyMap<InstanceKey, Tombstone>;
}

export const EMPTY_DESIRED_SET: DesiredSet = { instances: new Map(), tombstones: new Map() };

export type DesiredChange =
  | { changed: true; set: DesiredSet; outcome: 'added' | 'replaced' | 'removed' | 'tombstoned' }
  | { changed: false; outcome: 'duplicate' | 'stale' | 'unknown-instance'; detail: string };

/** Tombstones older than this are dropped; a deploy delayed this long is not a realistic risk. */
export const TOMBSTONE_TTL_MS = 7 * 24 * 3600 * 1000;
export const MAX_TOMBSTONES = 1000;

/**
 * Applies a `control/deploy`. Rules (messages may be duplicated and reordered; the generation is
 * Canopy's per-instance desired-state counter):
 * - with a generation g: ignored when g ≤ the generation of a delete already seen (tombstone) or
 *   < the generation already desired (stale); equal to the desired one = duplicate, ignored;
 *   greater = the new desired spec (the instance is replaced if its container differs);
 * - without a generation (an Oakestra cluster): always applied, last message wins.
 */
export function applyDeploy(set: DesiredSet, spec: InstanceSpec, now: Date): DesiredChange {
  const key = instanceKey(spec.job_name, spec.instance_number);
  const current = set.instances.get(key);
  const tombstone = set.tombstones.get(key);
  const g = spec.generation;
  const newLineage = current !== undefined && otherLineage(current.spec._id, spec._id);
  if (g !== undefined && !newLineage) {
    if (
      tombstone !== undefined &&
      g <= tombstone.generation &&
      !otherLineage(tombstone.serviceId, spec._id)
    ) {
      return {
        changed: false,
        outcome: 'stale',
        detail: `generation ${g} was deleted at generation ${tombstone.generation}`,
      };
    }
    const have = current?.spec.generation;
    if (current !== undefined && have !== undefined) {
      if (g < have) {
        return { changed: false, outcome: 'stale', detail: `generation ${g} < desired ${have}` };
      }
      if (g === have) {
        return { changed: false, outcome: 'duplicate', detail: `generation ${g} already desired` };
      }
    }
  } else if (g === undefined && current !== undefined && sameJson(current.spec, spec)) {
    return { changed: false, outcome: 'duplicate', detail: 'identical deploy' };
  }
  const instances = new Map(set.instances);
  instances.set(key, { spec, receivedAt: now.toISOString() });
  const tombstones = new Map(set.tombstones);
  tombstones.delete(key);
  return {
    changed: true,
    set: { instances, tombstones },
    outcome: current === undefined ? 'added' : 'replaced',
  };
}

/**
 * Applies a `control/delete`. With a generation g it removes the instance when g ≥ the desired
 * generation (a delete older than the current deploy is stale) and remembers g, so a deploy of
 * generation ≤ g arriving late is ignored. Without a generation it removes unconditionally.
 */
export function applyDelete(
  set: DesiredSet,
  message: Pick<ControlDeleteDto, 'job_name' | 'instance_number' | 'generation' | '_id'>,
  now: Date,
): DesiredChange {
  const key = instanceKey(message.job_name, message.instance_number);
  const current = set.instances.get(key);
  if (current !== undefined && otherLineage(current.spec._id, message._id)) {
    return {
      changed: false,
      outcome: 'stale',
      detail: `delete of service ${message._id} while service ${current.spec._id} is desired`,
    };
  }
  const g = message.generation;
  const have = current?.spec.generation;
  if (g !== undefined && have !== undefined && g < have) {
    return {
      changed: false,
      outcome: 'stale',
      detail: `delete of generation ${g} < desired ${have}`,
    };
  }
  const instances = new Map(set.instances);
  instances.delete(key);
  const tombstones = new Map(set.tombstones);
  if (g !== undefined) {
    const seen = tombstones.get(key);
    const serviceId = message._id ?? current?.spec._id ?? seen?.serviceId;
    const previous =
      seen !== undefined && !otherLineage(seen.serviceId, serviceId) ? seen.generation : -1;
    if (current === undefined && g <= previous) {
      return {
        changed: false,
        outcome: 'duplicate',
        detail: `delete of generation ${g} already seen`,
      };
    }
    tombstones.set(key, {
      generation: Math.max(g, previous),
      at: now.toISOString(),
      ...(serviceId !== undefined ? { serviceId } : {}),
    });
  } else if (current === undefined) {
    return { changed: false, outcome: 'unknown-instance', detail: `${key} is not deployed here` };
  }
  return {
    changed: true,
    set: { instances, tombstones: pruneTombstones(tombstones, now) },
    outcome: current === undefined ? 'tombstoned' : 'removed',
  };
}

/** Records how a one-shot instance ended (unchanged set when the instance is gone). */
export function markFinished(
  set: DesiredSet,
  key: InstanceKey,
  finished: FinishedRecord,
): DesiredSet {
  const current = set.instances.get(key);
  if (current === undefined) return set;
  if (
    current.finished?.status === finished.status &&
    current.finished.exitCode === finished.exitCode
  ) {
    return set;
  }
  const instances = new Map(set.instances);
  instances.set(key, { ...current, finished });
  return { instances, tombstones: set.tombstones };
}

export function pruneTombstones(
  tombstones: Map<InstanceKey, Tombstone>,
  now: Date,
): Map<InstanceKey, Tombstone> {
  const fresh = [...tombstones].filter(
    ([, t]) => now.getTime() - Date.parse(t.at) < TOMBSTONE_TTL_MS,
  );
  fresh.sort(([, a], [, b]) => Date.parse(b.at) - Date.parse(a.at));
  return new Map(fresh.slice(0, MAX_TOMBSTONES));
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
