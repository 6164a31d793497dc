import { timingSafeEqual, createHash } from 'node:crypto';
import {
  isValidTopicSegment,
  toStoredVirtualization,
  type CanopyNodeInfoDto,
  type CanopyNodeRegistrationDto,
} from '@canopy/contracts';
import { normalizeArchitecture, type CandidateView } from '@canopy/placement';
import type { Worker, WorkerFacts } from './worker.repository';
import type { ResourceTriple } from './worker.schema';

/** Pure rules about workers: identity, capacity, liveness, and their placement view. */

/** Link status values (`nodes/<id>/status`), as stored. */
export const LinkStatus = { ONLINE: 'online', OFFLINE: 'offline' } as const;

/** Constant-time comparison of a presented join token with the configured one. */
export function joinTokenMatches(presented: string | undefined, expected: string): boolean {
  if (presented === undefined) return false;
  // Hash first so lengths match (timingSafeEqual needs equal lengths, and must not leak them).
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** A worker id the worker proposes is kept only if it is a 24-hex id (what this cluster issues). */
export function acceptableProposedId(id: string | undefined): id is string {
  return id !== undefined && /^[0-9a-f]{24}$/.test(id) && isValidTopicSegment(id);
}

type FactsDto = CanopyNodeRegistrationDto | CanopyNodeInfoDto;

/** The stored facts from a registration body or an `information` report. */
export function workerFactsOf(dto: FactsDto, host: string): WorkerFacts {
  const { join_token: _token, ...facts } = dto as CanopyNodeRegistrationDto;
  return {
    host,
    ip: dto.ip ?? '',
    port: dto.port ?? '',
    architecture: dto.architecture ? normalizeArchitecture(dto.architecture) : '',
    facts: JSON.parse(JSON.stringify(facts)) as Record<string, unknown>,
    virtualization: [...new Set((dto.virtualization ?? []).map(toStoredVirtualization))],
    labels: dto.labels ?? {},
    ...tunnelFactsOf(dto),
  };
}

/**
 * The worker's tunnel facts, only those the message carries: a worker that does not send them
 * (an Oakestra node engine, or a report without them) keeps what it said before.
 */
function tunnelFactsOf(dto: FactsDto): { wg_public_key?: string; tunnel_port?: number } {
  return {
    ...(dto.wg_public_key !== undefined ? { wg_public_key: dto.wg_public_key } : {}),
    ...(dto.tunnel_port !== undefined ? { tunnel_port: dto.tunnel_port } : {}),
  };
}

/**
 * What an `information` report changes: only the fields it carries. Oakestra's report is the
 * dynamic subset of the node facts (reference §5.2, a PATCH), so an absent field keeps its
 * registered value instead of being wiped (which would, e.g., drop the worker's runtimes and
 * make it unschedulable). `factsPatch` holds the reported facts, merged key by key.
 */
export function informationUpdateOf(dto: CanopyNodeInfoDto): WorkerFactsPatch {
  const reported = JSON.parse(JSON.stringify(dto)) as Record<string, unknown>;
  delete reported['host']; // the worker's name is fixed at registration
  return {
    ...(dto.ip !== undefined ? { ip: dto.ip } : {}),
    ...(dto.port !== undefined ? { port: dto.port } : {}),
    ...(dto.architecture !== undefined
      ? { architecture: normalizeArchitecture(dto.architecture) }
      : {}),
    ...(dto.virtualization !== undefined
      ? { virtualization: [...new Set(dto.virtualization.map(toStoredVirtualization))] }
      : {}),
    ...(dto.labels !== undefined ? { labels: dto.labels } : {}),
    ...tunnelFactsOf(dto),
    factsPatch: reported,
  };
}

export interface WorkerFactsPatch {
  ip?: string;
  port?: string;
  architecture?: string;
  virtualization?: string[];
  labels?: Record<string, string>;
  wg_public_key?: string;
  tunnel_port?: number;
  factsPatch: Record<string, unknown>;
}

/**
 * What the worker offers to reservations: Canopy's allocatable amounts, or for a worker that
 * does not send them (an Oakestra node engine) its cores and the memory available when it
 * registered. Undefined when an `information` report carries no allocatable amounts: an
 * Oakestra worker's available memory moves with its own load and must not move capacity.
 */
export function capacityOf(dto: FactsDto, atRegistration: boolean): ResourceTriple | undefined {
  if (dto.allocatable_memory === undefined && !atRegistration) return undefined;
  return {
    vcpus: dto.allocatable_vcpus ?? dto.vcpus ?? 0,
    memory: dto.allocatable_memory ?? dto.memory ?? 0,
    vgpus: dto.vgpus ?? 0,
  };
}

/** Active = not offline by its last will, and heard from within `timeoutMs`. */
export function isWorkerActive(worker: Worker, now: Date, timeoutMs: number): boolean {
  return (
    worker.link_status !== LinkStatus.OFFLINE &&
    now.getTime() - worker.last_seen.getTime() <= timeoutMs
  );
}

/** The placement pipeline's view of a worker: its FREE amounts (after reservations). */
export function toCandidate(worker: Worker, active: boolean): CandidateView {
  const num = (key: string): number => {
    const v = worker.facts[key];
    return typeof v === 'number' && Number.isFinite(v) ? v : 0;
  };
  const strings = (key: string): string[] => {
    const v = worker.facts[key];
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  };
  return {
    id: worker.id,
    name: worker.host,
    kind: 'worker',
    active,
    capacity: {
      vcpus: worker.free.vcpus,
      memory: worker.free.memory,
      vgpus: worker.free.vgpus,
      cpu_percent: num('cpu_percent'),
      memory_percent: num('memory_percent'),
    },
    virtualization: worker.virtualization,
    ...(worker.architecture !== '' ? { architecture: worker.architecture } : {}),
    supported_addons: strings('supported_addons'),
    csi_drivers: strings('csi_drivers'),
    labels: worker.labels,
  };
}

/** Whether two amounts are equal in every resource. Pure. */
export function sameResources(a: ResourceTriple, b: ResourceTriple): boolean {
  return a.vcpus === b.vcpus && a.memory === b.memory && a.vgpus === b.vgpus;
}
