import type { ResourceAmounts, WorkloadSpec } from './types';

/** The resources checked and reserved, in the order a shortfall is reported. */
export const RESOURCE_KEYS = ['vcpus', 'memory', 'vgpus'] as const;
export type ResourceKey = (typeof RESOURCE_KEYS)[number];

/**
 * The amounts a placed workload takes from its candidate. The cluster reserves them atomically
 * per resource with a conditional update (`{ <free>: { $gte: r } }` + `$inc: { <free>: -r }`),
 * so these are exactly the numbers placement checked.
 */
export function reservationFor(spec: WorkloadSpec): ResourceAmounts {
  return { vcpus: spec.vcpus, memory: spec.memory, vgpus: spec.vgpus ?? 0 };
}

/** The first resource the available amounts cannot cover, or undefined when all fit. */
export function firstShortfall(
  available: ResourceAmounts,
  reservation: ResourceAmounts,
): ResourceKey | undefined {
  // `!(a >= r)` rather than `a < r` so a NaN availability counts as a shortfall.
  if (!(available.vcpus >= reservation.vcpus)) return 'vcpus';
  if (!(available.memory >= reservation.memory)) return 'memory';
  if (!(available.vgpus >= reservation.vgpus)) return 'vgpus';
  return undefined;
}

/**
 * True when taking `reservation` leaves nothing negative: `available − reservation ≥ 0` for
 * vcpus, memory and vgpus (an exact fit passes). Same arithmetic as the resources filter.
 */
export function fitsAfterReservation(
  available: ResourceAmounts,
  reservation: ResourceAmounts,
): boolean {
  return firstShortfall(available, reservation) === undefined;
}

/** `available − reservation` per resource, or undefined if any would go negative. */
export function remainingAfterReservation(
  available: ResourceAmounts,
  reservation: ResourceAmounts,
): ResourceAmounts | undefined {
  if (!fitsAfterReservation(available, reservation)) return undefined;
  return {
    vcpus: available.vcpus - reservation.vcpus,
    memory: available.memory - reservation.memory,
    vgpus: available.vgpus - reservation.vgpus,
  };
}
