import { cidrContains, compareIpv4, parseCidr } from './ipv4-cidr';
import {
  ServiceMode,
  type ServiceBackend,
  type ServiceRoute,
  type WorkerNetworkState,
} from './net-desired-state';

/** A service address with the namespace IPs its DNAT rule picks from (already decided for `closest`). */
export interface ResolvedServiceRoute {
  address: string;
  mode: ServiceMode;
  /** Sorted for round-robin (stable map across re-renders); exactly one for closest/instance. */
  targets: string[];
  comment: string;
}

/**
 * The backend a `closest` address sends to: lowest RTT; an unknown RTT counts 0 for an instance
 * on this worker (no network hop) and ∞ for a remote one (never measured = never preferred over
 * a measured one). Ties: local first, then the lower address, so the choice is deterministic.
 */
export function selectClosestBackend(
  backends: readonly ServiceBackend[],
  isLocal: (namespaceIp: string) => boolean,
): ServiceBackend | undefined {
  const rtt = (b: ServiceBackend): number =>
    b.rttMs ?? (isLocal(b.namespaceIp) ? 0 : Number.POSITIVE_INFINITY);
  return [...backends].sort(
    (a, b) =>
      rtt(a) - rtt(b) ||
      Number(isLocal(b.namespaceIp)) - Number(isLocal(a.namespaceIp)) ||
      compareIpv4(a.namespaceIp, b.namespaceIp),
  )[0];
}

/**
 * The DNAT table of this worker: the given service routes plus an InstanceIP route for every
 * local instance (a local client reaches a neighbour's InstanceIP through the bridge too),
 * sorted by address. Routes without backends are dropped: their traffic is a table miss (traced, dropped).
 */
export function resolveServiceRoutes(state: WorkerNetworkState): ResolvedServiceRoute[] {
  const subnet = parseCidr(state.subnet);
  const isLocal = (ip: string): boolean => subnet !== null && cidrContains(subnet, ip);
  const routes = new Map<string, ServiceRoute>();
  for (const route of state.services) routes.set(route.address, route);
  for (const instance of state.instances) {
    if (instance.instanceIp === undefined || routes.has(instance.instanceIp)) continue;
    routes.set(instance.instanceIp, {
      address: instance.instanceIp,
      mode: ServiceMode.INSTANCE,
      backends: [{ namespaceIp: instance.namespaceIp, label: instance.key }],
      name: instance.key,
    });
  }
  const resolved: ResolvedServiceRoute[] = [];
  for (const route of routes.values()) {
    const unique = [...new Map(route.backends.map((b) => [b.namespaceIp, b])).values()];
    let targets: string[];
    if (route.mode === ServiceMode.ROUND_ROBIN) {
      targets = unique.map((b) => b.namespaceIp).sort(compareIpv4);
    } else {
      const chosen =
        route.mode === ServiceMode.CLOSEST ? selectClosestBackend(unique, isLocal) : unique[0];
      targets = chosen ? [chosen.namespaceIp] : [];
    }
    if (targets.length === 0) continue;
    resolved.push({
      address: route.address,
      mode: route.mode,
      targets,
      comment: `${route.mode} ${route.name ?? route.address}`,
    });
  }
  return resolved.sort((a, b) => compareIpv4(a.address, b.address));
}
