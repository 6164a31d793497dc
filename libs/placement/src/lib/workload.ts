import {
  ConstraintType,
  DIRECT_NODE_SEPARATOR,
  toStoredVirtualization,
  type ValidationIssue,
  type ValidationResult,
} from '@canopy/contracts';
import { normalizeArchitecture } from './architecture';
import { parseLocation } from './geo';
import { reservationFor } from './reservation';
import type { GeoPoint, ResourceAmounts, WorkloadConstraint, WorkloadSpec } from './types';

export interface GeoRequirement {
  readonly point: GeoPoint;
  readonly thresholdKm: number;
}

/**
 * A WorkloadSpec parsed once per placement (the PreFilter step): lists split, sets built,
 * locations parsed, so that each filter is O(1)/O(k) per candidate. Several constraints of the
 * same type must all hold.
 */
export interface CompiledWorkload {
  readonly spec: WorkloadSpec;
  /** Stored spelling (`container` → `docker`). */
  readonly virtualization: string;
  /** Normalised accepted architectures; undefined = any. */
  readonly archs: ReadonlySet<string> | undefined;
  readonly reservation: ResourceAmounts;
  /** `direct.cluster` of every direct constraint that names one (checked at the root). */
  readonly directClusters: readonly string[];
  /** `direct.node` lists, split on `;` and trimmed (checked at the cluster). */
  readonly directNodes: readonly ReadonlySet<string>[];
  /** `clusters.allowed` lists (checked at the root); an empty list does not restrict. */
  readonly allowedClusters: readonly ReadonlySet<string>[];
  readonly geo: readonly GeoRequirement[];
  readonly labels: readonly (readonly [string, string])[];
  /** `addons.needs`, deduplicated. */
  readonly addons: readonly string[];
  /** `volumes[].csi_driver`, deduplicated. */
  readonly csiDrivers: readonly string[];
  /**
   * `latency` constraints are accepted and kept for a future latency filter/scorer (Oakestra's
   * LDP needs measured RTTs that Canopy does not collect yet). They are NOT enforced: a workload
   * with a latency constraint is placed as if it had none.
   */
  readonly latency: readonly WorkloadConstraint[];
}

/** Splits a `direct.node` value (`"a; b;"` → `['a', 'b']`). */
export function parseDirectNodes(node: string): string[] {
  return node
    .split(DIRECT_NODE_SEPARATOR)
    .map((name) => name.trim())
    .filter((name) => name.length > 0);
}

const isNonNegativeNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value) && value >= 0;

const unique = (values: Iterable<string>): string[] => [...new Set(values)];

/**
 * Validates and compiles a workload. Never throws: problems an SLA validator would not catch
 * (a geo constraint without a parsable location or threshold, negative or non-finite amounts,
 * an empty virtualization) come back as issues with accessor paths.
 */
export function compileWorkload(spec: WorkloadSpec): ValidationResult<CompiledWorkload> {
  const errors: ValidationIssue[] = [];

  const virtualization = toStoredVirtualization(
    typeof spec.virtualization === 'string' ? spec.virtualization.trim() : '',
  );
  if (virtualization === '') {
    errors.push({ path: 'virtualization', message: 'virtualization must not be empty' });
  }
  for (const key of ['vcpus', 'memory', 'vgpus'] as const) {
    const value = spec[key] ?? 0;
    if (!isNonNegativeNumber(value)) {
      errors.push({ path: key, message: `${key} must be a finite number ≥ 0` });
    }
  }

  const archList = (spec.arch ?? []).map(normalizeArchitecture).filter((a) => a.length > 0);
  const archs = archList.length > 0 ? new Set(archList) : undefined;

  const directClusters: string[] = [];
  const directNodes: Set<string>[] = [];
  const allowedClusters: Set<string>[] = [];
  const geo: GeoRequirement[] = [];
  const addons: string[] = [];
  const latency: WorkloadConstraint[] = [];

  (spec.constraints ?? []).forEach((constraint, index) => {
    const path = `constraints[${index}]`;
    switch (constraint.type) {
      case ConstraintType.DIRECT: {
        const cluster = constraint.cluster?.trim();
        if (cluster) directClusters.push(cluster);
        const nodes = parseDirectNodes(constraint.node ?? '');
        if (nodes.length > 0) directNodes.push(new Set(nodes));
        break;
      }
      case ConstraintType.CLUSTERS: {
        const allowed = (constraint.allowed ?? []).map((name) => name.trim()).filter(Boolean);
        if (allowed.length > 0) allowedClusters.push(new Set(allowed));
        break;
      }
      case ConstraintType.GEO: {
        const point =
          constraint.location === undefined ? undefined : parseLocation(constraint.location);
        if (point === undefined) {
          errors.push({
            path: `${path}.location`,
            message: `geo location must be "lat,long" in degrees, got ${JSON.stringify(constraint.location ?? null)}`,
          });
        }
        if (!isNonNegativeNumber(constraint.threshold)) {
          errors.push({
            path: `${path}.threshold`,
            message: 'geo threshold must be a distance in km ≥ 0',
          });
        }
        if (point !== undefined && isNonNegativeNumber(constraint.threshold)) {
          geo.push({ point, thresholdKm: constraint.threshold });
        }
        break;
      }
      case ConstraintType.ADDONS:
        addons.push(...(constraint.needs ?? []));
        break;
      case ConstraintType.LATENCY:
        // Accepted, not enforced (see CompiledWorkload.latency).
        latency.push(constraint);
        break;
      default:
        // Unknown types cannot pass SLA validation; ignoring them keeps placement total.
        break;
    }
  });

  if (errors.length > 0) return { ok: false, errors };

  return {
    ok: true,
    value: {
      spec,
      virtualization,
      archs,
      reservation: reservationFor(spec),
      directClusters,
      directNodes,
      allowedClusters,
      geo,
      labels: Object.entries(spec.labels ?? {}),
      addons: unique(addons),
      csiDrivers: unique((spec.volumes ?? []).map((volume) => volume.csi_driver)),
      latency,
    },
  };
}

/**
 * The scheduling-relevant part of a stored job document (an SLA microservice with the root's
 * derived fields), read defensively: the root and the cluster both keep such documents as
 * plain objects.
 */
export function workloadSpecOfJob(document: Record<string, unknown>): WorkloadSpec {
  const number = (key: string): number => {
    const v = document[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  };
  return {
    virtualization:
      typeof document['virtualization'] === 'string' ? document['virtualization'] : '',
    vcpus: number('vcpus'),
    memory: number('memory'),
    vgpus: number('vgpus'),
    ...(Array.isArray(document['arch']) ? { arch: document['arch'] as string[] } : {}),
    ...(Array.isArray(document['constraints'])
      ? { constraints: document['constraints'] as WorkloadSpec['constraints'] }
      : {}),
    ...(Array.isArray(document['volumes'])
      ? { volumes: document['volumes'] as WorkloadSpec['volumes'] }
      : {}),
    ...(isStringRecord(document['labels']) ? { labels: document['labels'] } : {}),
  };
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    Object.values(value).every((v) => typeof v === 'string')
  );
}
