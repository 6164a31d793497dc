import {
  NetServiceIpType,
  NetServicesDto,
  parsePayload,
  type NetServiceEntryDto,
  summarizeIssues,
} from '@canopy/contracts';
import { ServiceMode, type ServiceBackend, type ServiceRoute } from '../network';

/** Measured RTT (ms) from this worker to a worker, by worker id; undefined = not measured. */
export type RttLookup = (workerId: string) => number | undefined;

/**
 * RTT given to a backend on another worker that has not been measured: above any measurable RTT
 * (probes time out after 1 s), so it ranks after every measured backend, and explicit rather than
 * left to the subnet guess of selectClosestBackend; among unmeasured ones the lower address wins.
 */
export const UNMEASURED_REMOTE_RTT_MS = 60_000;

/** Outcome of a retained, revisioned table from the cluster (`net/peers`, `net/services`). */
export type RevisionedDecision<T> =
  ({ apply: true; revision: number } & T) | { apply: false; reason: string };

/**
 * Validates a revisioned payload and decides whether it applies: a revision lower than the last
 * applied one is stale (a late delivery). Equal revisions apply again (a retained re-delivery
 * after a reconnect is harmless: the tables are level-triggered).
 */
export function decideRevisioned<D extends { revision: number }, T>(
  dto: new () => D,
  payload: Uint8Array | string,
  lastRevision: number | undefined,
  pick: (value: D) => T,
): RevisionedDecision<T> {
  const parsed = parsePayload(dto, payload);
  if (!parsed.ok) return { apply: false, reason: summarizeIssues(parsed.errors) };
  const { revision } = parsed.value;
  if (lastRevision !== undefined && revision < lastRevision) {
    return { apply: false, reason: `revision ${revision} is older than ${lastRevision}` };
  }
  return { apply: true, revision, ...pick(parsed.value) };
}

export type ServicesDecision = RevisionedDecision<{ services: NetServiceEntryDto[] }>;

/** A `nodes/<id>/net/services` payload (see decideRevisioned). */
export function decideServices(
  payload: Uint8Array | string,
  lastRevision: number | undefined,
): ServicesDecision {
  return decideRevisioned(NetServicesDto, payload, lastRevision, (v) => ({ services: v.services }));
}

/**
 * The DNAT routes of this worker (`nodeId`) for the cluster's service table: per service one
 * round-robin route over all its instances' namespace IPs (RR ServiceIP), one `closest` route
 * (backends on this worker at RTT 0, others at their worker's measured RTT, else
 * UNMEASURED_REMOTE_RTT_MS), and per instance with
 * an InstanceIP an `instance` route to its namespace IP. An address claimed twice keeps its first
 * route (the net manager refuses duplicates, and one bad entry must not cost the whole table).
 */
export function serviceRoutesOf(
  services: readonly NetServiceEntryDto[],
  nodeId: string,
  rttOf: RttLookup = () => undefined,
): ServiceRoute[] {
  const routes = new Map<string, ServiceRoute>();
  const add = (route: ServiceRoute): void => {
    if (!routes.has(route.address)) routes.set(route.address, route);
  };
  for (const service of services) {
    if (service.instances.length === 0) continue;
    const backends = (closest: boolean): ServiceBackend[] =>
      service.instances.map((i) => {
        const backend: ServiceBackend = {
          namespaceIp: i.namespace_ip,
          label: String(i.instance_number),
        };
        if (!closest) return backend;
        const rtt = i.worker_id === nodeId ? 0 : (rttOf(i.worker_id) ?? UNMEASURED_REMOTE_RTT_MS);
        return { ...backend, rttMs: rtt };
      });
    for (const ip of service.service_ips) {
      const closest = ip.IpType === NetServiceIpType.CLOSEST;
      add({
        address: ip.Address,
        mode: closest ? ServiceMode.CLOSEST : ServiceMode.ROUND_ROBIN,
        backends: backends(closest),
        name: service.job_name,
      });
    }
    for (const instance of service.instances) {
      if (instance.instance_ip === undefined) continue;
      add({
        address: instance.instance_ip,
        mode: ServiceMode.INSTANCE,
        backends: [{ namespaceIp: instance.namespace_ip, label: String(instance.instance_number) }],
        name: `${service.job_name}#${instance.instance_number}`,
      });
    }
  }
  return [...routes.values()];
}
