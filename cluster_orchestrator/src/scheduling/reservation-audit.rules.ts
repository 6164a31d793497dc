import type { InstanceReservation } from '../instances/cluster-instance.schema';
import { sameResources } from '../workers/worker.rules';
import type { ResourceTriple } from '../workers/worker.schema';

/** What one audit saw of a worker whose free amounts disagree with its reservations. */
export interface Discrepancy {
  workerId: string;
  /** The worker document's revision when seen: the repair is a compare-and-set on it. */
  rev: number;
  observed: ResourceTriple;
  expected: ResourceTriple;
  /** The reservations behind `expected` (instance keys and amounts), canonical. */
  reservationsKey: string;
  /** When this exact discrepancy was first seen (ms). */
  since: number;
}

/**
 * Workers whose `free` differs from `capacity − Σ reservations held by instances placed on them`,
 * seen at `now`. A reservation is two writes (the worker's `$inc`, then the instance's record;
 * releases the other way round), so a look can catch one half-done — for as long as the second
 * write waits, which on a busy single-connection database can be seconds. Pure.
 */
export function discrepanciesOf(
  workers: readonly { id: string; rev: number; capacity: ResourceTriple; free: ResourceTriple }[],
  instances: readonly {
    service_id: string;
    instance_number: number;
    reservation: InstanceReservation | null;
  }[],
  now = 0,
): Discrepancy[] {
  const held = new Map<string, { key: string; amounts: ResourceTriple }[]>();
  for (const i of instances) {
    const r = i.reservation;
    if (r === null) continue;
    const list = held.get(r.worker_id) ?? [];
    list.push({
      key: `${i.service_id}/${i.instance_number}:${r.vcpus}/${r.memory}/${r.vgpus}`,
      amounts: { vcpus: r.vcpus, memory: r.memory, vgpus: r.vgpus },
    });
    held.set(r.worker_id, list);
  }
  const out: Discrepancy[] = [];
  for (const w of workers) {
    const list = (held.get(w.id) ?? []).sort((a, b) => (a.key < b.key ? -1 : 1));
    const sum = list.reduce(
      (acc, x) => ({
        vcpus: acc.vcpus + x.amounts.vcpus,
        memory: acc.memory + x.amounts.memory,
        vgpus: acc.vgpus + x.amounts.vgpus,
      }),
      { vcpus: 0, memory: 0, vgpus: 0 },
    );
    const expected = {
      vcpus: w.capacity.vcpus - sum.vcpus,
      memory: w.capacity.memory - sum.memory,
      vgpus: w.capacity.vgpus - sum.vgpus,
    };
    if (sameResources(expected, w.free)) continue;
    out.push({
      workerId: w.id,
      rev: w.rev,
      observed: { vcpus: w.free.vcpus, memory: w.free.memory, vgpus: w.free.vgpus },
      expected,
      reservationsKey: list.map((x) => x.key).join(','),
      since: now,
    });
  }
  return out;
}

/**
 * `found`, each carrying the time it was FIRST seen exactly so (same revision: no write to the
 * worker since; same reservations; same free amounts) by an earlier audit in `before`.
 */
export function trackDiscrepancies(
  before: readonly Discrepancy[],
  found: readonly Discrepancy[],
): Discrepancy[] {
  return found.map((d) => {
    const seen = before.find(
      (b) =>
        b.workerId === d.workerId &&
        b.rev === d.rev &&
        b.reservationsKey === d.reservationsKey &&
        sameResources(b.observed, d.observed),
    );
    return seen === undefined ? d : { ...d, since: seen.since };
  });
}

/**
 * The tracked discrepancies unchanged for at least `minAgeMs`: nothing touched the worker for
 * that long while a write was missing, i.e. a leak left by a crash, safe to repair.
 */
export function leaksOf(
  tracked: readonly Discrepancy[],
  now: number,
  minAgeMs: number,
): Discrepancy[] {
  return tracked.filter((d) => now - d.since >= minAgeMs);
}
