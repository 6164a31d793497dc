import type { NetManagerConfig } from './net-manager.config';
import type {
  ObservedAddress,
  ObservedFdbEntry,
  ObservedLink,
  ObservedNeighbor,
  ObservedRoute,
} from './ip-json.parser';
import { normalizeRouteDst } from './ip-json.parser';
import { isInstanceLinkName } from './net-names';

/**
 * Pure desired-vs-observed comparisons. Each returns what to add and what to remove; the
 * callers turn that into commands. Removal lists only ever contain things carrying our tag.
 */

export interface RouteSpec {
  dst: string;
  dev: string;
  via?: string;
  src?: string;
  onlink?: boolean;
  /**
   * Other agents on the host may route the same prefix to THEIR devices (the service pool):
   * added beside theirs (`ip route append`), since `replace` would take their route over.
   */
  shared?: boolean;
}

export function routeKey(route: {
  dst: string;
  dev?: string;
  gateway?: string;
  via?: string;
  prefsrc?: string;
  src?: string;
}): string {
  return [
    normalizeRouteDst(route.dst),
    route.dev ?? '',
    route.via ?? route.gateway ?? '',
    route.src ?? route.prefsrc ?? '',
  ].join('|');
}

/** `ip route replace …` (`append` for a shared prefix) for a route tagged with our protocol. */
export function routeReplaceArgs(route: RouteSpec, protocol: number): string[] {
  return [
    'ip',
    'route',
    route.shared ? 'append' : 'replace',
    route.dst,
    ...(route.via ? ['via', route.via] : []),
    'dev',
    route.dev,
    ...(route.onlink ? ['onlink'] : []),
    ...(route.src ? ['src', route.src] : []),
    'proto',
    String(protocol),
  ];
}

export function routeDeleteArgs(route: ObservedRoute, protocol: number): string[] {
  return [
    'ip',
    'route',
    'del',
    route.dst,
    ...(route.gateway ? ['via', route.gateway] : []),
    ...(route.dev ? ['dev', route.dev] : []),
    'proto',
    String(protocol),
  ];
}

/** `observed` must already be only our routes (`ip route show proto <ours>`). */
export function diffRoutes(
  desired: readonly RouteSpec[],
  observed: readonly ObservedRoute[],
): { replace: RouteSpec[]; remove: ObservedRoute[] } {
  const have = new Set(observed.map(routeKey));
  const want = new Set(desired.map(routeKey));
  return {
    replace: desired.filter((r) => !have.has(routeKey(r))),
    remove: observed.filter((r) => !want.has(routeKey(r))),
  };
}

/** IPv4 addresses `a.b.c.d/p` to add and remove on one interface (IPv6 link-local is left alone). */
export function diffAddresses(
  desired: readonly string[],
  observed: readonly ObservedAddress[],
): { add: string[]; remove: string[] } {
  const have = observed.filter((a) => a.family === 'inet').map((a) => `${a.address}/${a.prefix}`);
  return {
    add: desired.filter((a) => !have.includes(a)),
    remove: have.filter((a) => !desired.includes(a)),
  };
}

/** A link the net manager made: its alias tag (or no alias yet: crash right after creation). */
export function isTagged(link: ObservedLink, config: NetManagerConfig): boolean {
  return link.alias === undefined || link.alias === config.linkAlias;
}

/** Host-side instance veths that exist but are not desired (undeployed, or left by a crash). */
export function orphanInstanceLinks(
  links: readonly ObservedLink[],
  desiredNames: ReadonlySet<string>,
  config: NetManagerConfig,
): ObservedLink[] {
  return links.filter(
    (link) =>
      link.kind === 'veth' &&
      isInstanceLinkName(config.linkPrefix, link.name) &&
      isTagged(link, config) &&
      !desiredNames.has(link.name),
  );
}

/** Owned named namespaces (our prefix) that no desired instance uses any more. */
export function orphanNetns(
  names: readonly string[],
  desiredOwned: ReadonlySet<string>,
  config: NetManagerConfig,
): string[] {
  return names.filter(
    (name) => name.startsWith(config.ownedNetnsPrefix) && !desiredOwned.has(name),
  );
}

export interface FdbSpec {
  mac: string;
  dst: string;
}

export function diffFdb(
  desired: readonly FdbSpec[],
  observed: readonly ObservedFdbEntry[],
): { add: FdbSpec[]; remove: ObservedFdbEntry[] } {
  const key = (e: { mac: string; dst?: string }): string => `${e.mac.toLowerCase()}|${e.dst ?? ''}`;
  const have = new Set(observed.map(key));
  const want = new Set(desired.map(key));
  return {
    add: desired.filter((e) => !have.has(key(e))),
    // Only unicast entries with a remote (ours are all of that shape; the kernel adds none).
    remove: observed.filter((e) => e.dst !== undefined && !want.has(key(e))),
  };
}

export interface NeighborSpec {
  ip: string;
  mac: string;
}

export function diffNeighbors(
  desired: readonly NeighborSpec[],
  observed: readonly ObservedNeighbor[],
): { replace: NeighborSpec[]; remove: ObservedNeighbor[] } {
  const key = (n: { ip: string; mac?: string }): string => `${n.ip}|${(n.mac ?? '').toLowerCase()}`;
  const have = new Set(observed.filter((n) => n.permanent).map(key));
  const want = new Set(desired.map(key));
  const wantIps = new Set(desired.map((n) => n.ip));
  return {
    replace: desired.filter((n) => !have.has(key(n))),
    remove: observed.filter((n) => n.permanent && !want.has(key(n)) && !wantIps.has(n.ip)),
  };
}
