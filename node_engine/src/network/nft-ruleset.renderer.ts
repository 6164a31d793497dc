import { parseCidr } from './ipv4-cidr';
import { activeTunnelInterface, type NetManagerConfig } from './net-manager.config';
import type { WorkerNetworkState } from './net-desired-state';
import { resolveServiceRoutes, type ResolvedServiceRoute } from './service-routes';

const LOOPBACK = '127.0.0.1';
const LOOPBACK_NET = '127.0.0.0/8';

/** nftables comments: printable, no quotes or backslashes, ≤ 128 bytes. */
export function nftComment(text: string): string {
  return `"${text.replace(/[^A-Za-z0-9 _.:/#@=,+()-]/g, '_').slice(0, 120)}"`;
}

function dnatRule(route: ResolvedServiceRoute): string {
  const [single] = route.targets;
  const target =
    route.targets.length === 1 && single !== undefined
      ? single
      : `numgen inc mod ${route.targets.length} map { ${route.targets.map((t, i) => `${i} : ${t}`).join(', ')} }`;
  // The counter sees only the first packet of each connection (nat chains): new connections
  // per address, which is what keeps a queried service's interest alive.
  return `ip daddr ${route.address} counter dnat ip to ${target} comment ${nftComment(route.comment)}`;
}

/** Rate of traced table misses: enough to notice every new address, bounded under a flood. */
export const TABLE_MISS_TRACE_LIMIT = 'limit rate 20/second burst 20 packets';

/**
 * Service-pool traffic no DNAT rule took: traced (the agent's `nft monitor trace` turns the trace
 * into a table query) and dropped. Dropped, not rejected: TCP retransmits a lost SYN after ~1 s,
 * by which time the answer is installed, whereas a reject would fail the client's first attempt.
 */
function tableMissRules(pool: string): string[] {
  return [
    `ip daddr ${pool} ${TABLE_MISS_TRACE_LIMIT} meta nftrace set 1 comment ${nftComment('table miss: query')}`,
    `ip daddr ${pool} drop comment ${nftComment('service address without a table entry')}`,
  ];
}

/**
 * The whole nftables table of this worker as one `nft -f` script. Applying it is atomic and
 * idempotent: the leading `table …; delete table …` pair lets the same transaction create or
 * replace the table, so "render and apply" is the complete reconciliation, also after a crash.
 * Nothing outside the table is touched. Pure; assumes a validated state.
 *
 * Packet path: instances (iif = bridge) and local processes calling a ServiceIP/InstanceIP are
 * DNATed to a namespace IP (round-robin: numgen over a sorted map; closest and InstanceIP: one
 * target), which is routed over the bridge or the tunnel; replies are un-NATed by conntrack on
 * the same worker. Hence only worker subnets ever cross the tunnel. Traffic into the service pool
 * that no rule matched never leaks to the default route: it is traced (a table miss) and dropped.
 */
export function renderRuleset(state: WorkerNetworkState, config: NetManagerConfig): string {
  const table = `inet ${config.nftTable}`;
  const bridge = JSON.stringify(config.bridge);
  const tunnel = JSON.stringify(activeTunnelInterface(config));
  const subnet = parseCidr(state.subnet)?.text ?? state.subnet;
  const pool = parseCidr(config.servicePool)?.text ?? config.servicePool;
  const underlay = state.underlayAddress;
  const services = resolveServiceRoutes(state).map(dnatRule);
  const ports = [...state.instances]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .flatMap((instance) =>
      instance.ports.map(
        (port) =>
          `${port.protocol} dport ${port.hostPort} dnat ip to ${instance.namespaceIp}:${port.containerPort} ` +
          `comment ${nftComment(`port ${port.hostPort}/${port.protocol} ${instance.key}`)}`,
      ),
    );
  const chain = (name: string, head: string[], rules: string[]): string =>
    [
      `  chain ${name} {`,
      ...head.map((h) => `    ${h}`),
      ...rules.map((r) => `    ${r}`),
      '  }',
    ].join('\n');
  return [
    `table ${table}`,
    `delete table ${table}`,
    `table ${table} {`,
    `  comment ${nftComment(`canopy net manager: subnet ${subnet}; generated, replaced as a whole`)}`,
    chain(
      'prerouting',
      ['type nat hook prerouting priority dstnat; policy accept;'],
      [`iifname ${bridge} ip daddr ${pool} jump services`, `ip daddr ${underlay} jump ports`],
    ),
    chain(
      'output',
      ['type nat hook output priority -100; policy accept;'],
      [
        `ip daddr ${pool} jump services`,
        `ip daddr ${underlay} jump ports`,
        // Port mappings also answer on loopback on the worker itself, as Docker's do.
        `ip daddr ${LOOPBACK} jump ports`,
      ],
    ),
    chain(
      'postrouting',
      ['type nat hook postrouting priority srcnat; policy accept;'],
      [
        `ip saddr ${subnet} oifname != { ${bridge}, ${tunnel} } masquerade comment ${nftComment('outbound from the worker subnet')}`,
        // A loopback source cannot leave on the bridge (route_localnet lets it be routed there).
        `ip saddr ${LOOPBACK_NET} oifname ${bridge} masquerade comment ${nftComment('port mappings called on loopback')}`,
      ],
    ),
    chain(
      'guard',
      ['type filter hook prerouting priority raw; policy accept;'],
      [
        // route_localnet on the bridge must not let an instance reach the worker's loopback
        // services (the kube-proxy CVE-2020-8558 pattern): nothing arriving there may target 127/8.
        `iifname ${bridge} ip daddr ${LOOPBACK_NET} drop comment ${nftComment('no loopback from instances')}`,
      ],
    ),
    chain('services', [], services),
    chain('ports', [], ports),
    chain(
      'forward',
      ['type filter hook forward priority filter; policy accept;'],
      [
        `oifname ${tunnel} tcp flags syn tcp option maxseg size set rt mtu comment ${nftComment('mss fits the tunnel')}`,
        ...tableMissRules(pool),
      ],
    ),
    chain(
      'filter_output',
      ['type filter hook output priority filter; policy accept;'],
      [
        // Instances share the bridge subnet but have /32 addresses and route via the gateway; a
        // redirect would make them bypass the worker and break DNATed flows.
        `oifname ${bridge} icmp type redirect drop`,
        ...tableMissRules(pool),
      ],
    ),
    '}',
    '',
  ].join('\n');
}

/** Removes the table if it exists (and succeeds if it does not), in one transaction. */
export function renderTableRemoval(config: NetManagerConfig): string {
  return `table inet ${config.nftTable}\ndelete table inet ${config.nftTable}\n`;
}
