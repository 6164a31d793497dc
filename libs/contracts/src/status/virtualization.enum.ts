/**
 * Virtualization (runtime) names. The SLA says `container`; Oakestra stores and sends `docker`
 * to clusters and workers (reference/oakestra.md §1.5 step 2), and workers advertise `docker`.
 * Any other containerd runtime name (e.g. `runsc`) is also valid, so this is not a closed set.
 */
export const Virtualization = {
  /** SLA spelling of the container runtime. */
  CONTAINER: 'container',
  /** Stored/wire spelling of the container runtime. */
  DOCKER: 'docker',
  UNIKERNEL: 'unikernel',
  CROSVM: 'crosvm',
  VM: 'vm',
} as const;
export type KnownVirtualization = (typeof Virtualization)[keyof typeof Virtualization];

/** Syntax of a virtualization / runtime name, e.g. `docker`, `unikernel`, `runsc`, `io.containerd.kata.v2`. */
export const VIRTUALIZATION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** SLA name -> stored name (`container` -> `docker`; everything else unchanged). */
export function toStoredVirtualization(slaName: string): string {
  return slaName === Virtualization.CONTAINER ? Virtualization.DOCKER : slaName;
}

/** Stored name -> SLA name (`docker` -> `container`), for showing a stored service as an SLA. */
export function toSlaVirtualization(storedName: string): string {
  return storedName === Virtualization.DOCKER ? Virtualization.CONTAINER : storedName;
}
