/**
 * Parsers of iproute2's JSON output (`ip -j`, `bridge -j`) into the few facts the net manager
 * compares with its desired state. Pure; unknown fields are ignored, missing ones tolerated
 * (iproute2 versions differ), malformed JSON throws.
 */

export interface ObservedAddress {
  family: 'inet' | 'inet6';
  address: string;
  prefix: number;
}

export interface ObservedLink {
  name: string;
  index: number;
  /** linkinfo kind: bridge, veth, wireguard, vxlan, tun (wireguard-go), … */
  kind?: string;
  alias?: string;
  master?: string;
  mtu: number;
  /** Administratively up (IFF_UP). */
  up: boolean;
  mac?: string;
  /** For a veth: its peer's ifindex (in the peer's namespace). */
  peerIndex?: number;
  vxlan?: { id?: number; local?: string; port?: number; learning?: boolean };
  addresses: ObservedAddress[];
}

export interface ObservedRoute {
  /** `default` or a prefix `a.b.c.d/p` (host routes normalised to /32). */
  dst: string;
  dev?: string;
  gateway?: string;
  prefsrc?: string;
  protocol?: string;
  onlink: boolean;
}

export interface ObservedNeighbor {
  ip: string;
  mac?: string;
  permanent: boolean;
}

export interface ObservedFdbEntry {
  mac: string;
  dst?: string;
  permanent: boolean;
}

function parseArray(json: string): Record<string, unknown>[] {
  const trimmed = json.trim();
  if (trimmed === '') return [];
  const value: unknown = JSON.parse(trimmed);
  if (!Array.isArray(value)) throw new Error('expected a JSON array from iproute2');
  return value.filter((v): v is Record<string, unknown> => typeof v === 'object' && v !== null);
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const obj = (v: unknown): Record<string, unknown> | undefined =>
  typeof v === 'object' && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

/** `ip -j -d addr show` (or `link show`, then without addresses). */
export function parseLinks(json: string): ObservedLink[] {
  return parseArray(json).map((raw) => {
    const info = obj(raw['linkinfo']);
    const data = obj(info?.['info_data']);
    const kind = str(info?.['info_kind']);
    const link: ObservedLink = {
      name: str(raw['ifname']) ?? '',
      index: num(raw['ifindex']) ?? -1,
      mtu: num(raw['mtu']) ?? 0,
      up: strings(raw['flags']).includes('UP'),
      addresses: (Array.isArray(raw['addr_info']) ? raw['addr_info'] : [])
        .map(obj)
        .filter((a): a is Record<string, unknown> => a !== undefined)
        .flatMap((a) => {
          const family = str(a['family']);
          const address = str(a['local']);
          const prefix = num(a['prefixlen']);
          return (family === 'inet' || family === 'inet6') &&
            address !== undefined &&
            prefix !== undefined
            ? [{ family, address, prefix } as ObservedAddress]
            : [];
        }),
    };
    if (kind !== undefined) link.kind = kind;
    const alias = str(raw['ifalias']);
    if (alias !== undefined) link.alias = alias;
    const master = str(raw['master']);
    if (master !== undefined) link.master = master;
    const mac = str(raw['address']);
    if (mac !== undefined) link.mac = mac;
    const peer = num(raw['link_index']);
    if (kind === 'veth' && peer !== undefined) link.peerIndex = peer;
    if (kind === 'vxlan' && data !== undefined) {
      link.vxlan = {};
      const id = num(data['id']);
      const local = str(data['local']);
      const port = num(data['port']);
      if (id !== undefined) link.vxlan.id = id;
      if (local !== undefined) link.vxlan.local = local;
      if (port !== undefined) link.vxlan.port = port;
      if (typeof data['learning'] === 'boolean') link.vxlan.learning = data['learning'];
    }
    return link;
  });
}

export function normalizeRouteDst(dst: string): string {
  return dst === 'default' || dst.includes('/') ? dst : `${dst}/32`;
}

/** `ip -j route show …` */
export function parseRoutes(json: string): ObservedRoute[] {
  return parseArray(json).map((raw) => {
    const route: ObservedRoute = {
      dst: normalizeRouteDst(str(raw['dst']) ?? 'default'),
      onlink: strings(raw['flags']).includes('onlink'),
    };
    const dev = str(raw['dev']);
    if (dev !== undefined) route.dev = dev;
    const gateway = str(raw['gateway']);
    if (gateway !== undefined) route.gateway = gateway;
    const prefsrc = str(raw['prefsrc']);
    if (prefsrc !== undefined) route.prefsrc = prefsrc;
    const protocol = raw['protocol'];
    if (typeof protocol === 'string' || typeof protocol === 'number')
      route.protocol = String(protocol);
    return route;
  });
}

/** `ip -j neigh show dev X` */
export function parseNeighbors(json: string): ObservedNeighbor[] {
  return parseArray(json).flatMap((raw) => {
    const ip = str(raw['dst']);
    if (ip === undefined) return [];
    const state = raw['state'];
    const states = typeof state === 'string' ? [state] : strings(state);
    const neighbor: ObservedNeighbor = { ip, permanent: states.includes('PERMANENT') };
    const mac = str(raw['lladdr']);
    if (mac !== undefined) neighbor.mac = mac;
    return [neighbor];
  });
}

/** `bridge -j fdb show dev X` */
export function parseFdb(json: string): ObservedFdbEntry[] {
  return parseArray(json).flatMap((raw) => {
    const mac = str(raw['mac']);
    if (mac === undefined) return [];
    const entry: ObservedFdbEntry = { mac, permanent: str(raw['state']) === 'permanent' };
    const dst = str(raw['dst']);
    if (dst !== undefined) entry.dst = dst;
    return [entry];
  });
}

/** `ip -j netns list` */
export function parseNetnsList(json: string): string[] {
  return parseArray(json)
    .map((raw) => str(raw['name']))
    .filter((name): name is string => name !== undefined);
}
