import type { CommandRunner } from './command.runner';
import { gatewayOf, parseCidr, vtepMac, type Ipv4Cidr } from './ipv4-cidr';
import { parseFdb, parseNeighbors, type ObservedLink } from './ip-json.parser';
import { deleteLink, showLink } from './ip-queries';
import {
  diffFdb,
  diffNeighbors,
  isTagged,
  type FdbSpec,
  type NeighborSpec,
  type RouteSpec,
} from './net-diff';
import { TunnelBackendKind, type NetManagerConfig } from './net-manager.config';
import type { TunnelPeer, WorkerNetworkState } from './net-desired-state';
import type { TunnelBackend } from './tunnel.backend';

/**
 * Per peer: its VTEP MAC (derived from its subnet) → its underlay address in the FDB, a permanent
 * neighbour entry for its gateway, and a route to its subnet via that gateway `onlink` — the
 * flannel layout, without learning or flooding. Pure.
 */
export function vxlanPeerEntries(peers: readonly TunnelPeer[]): {
  fdb: FdbSpec[];
  neighbors: NeighborSpec[];
} {
  const fdb: FdbSpec[] = [];
  const neighbors: NeighborSpec[] = [];
  for (const peer of peers) {
    const cidr = parseCidr(peer.subnet);
    if (cidr === null) continue;
    const mac = vtepMac(cidr);
    fdb.push({ mac, dst: peer.endpoint });
    neighbors.push({ ip: gatewayOf(cidr), mac });
  }
  return { fdb, neighbors };
}

/** True when an existing VXLAN link has the parameters that can only be set at creation. */
export function vxlanMatches(
  link: ObservedLink,
  config: NetManagerConfig,
  underlay: string,
): boolean {
  return (
    link.kind === 'vxlan' &&
    link.vxlan?.id === config.tunnel.vxlanId &&
    link.vxlan.local === underlay &&
    link.vxlan.port === config.tunnel.port &&
    link.vxlan.learning === false
  );
}

/**
 * Unencrypted VXLAN between workers for trusted LANs: same peer model as WireGuard (subnet +
 * endpoint). All workers of a cluster use the same VNI and UDP port (the tunnel port).
 */
export class VxlanBackend implements TunnelBackend {
  readonly kind = TunnelBackendKind.VXLAN;

  constructor(
    private readonly runner: CommandRunner,
    private readonly config: NetManagerConfig,
  ) {}

  get interfaceName(): string {
    return this.config.tunnel.vxlanInterface;
  }

  async ensure(state: WorkerNetworkState, subnet: Ipv4Cidr): Promise<string[]> {
    const name = this.interfaceName;
    const mac = vtepMac(subnet);
    const changes: string[] = [];
    let link = await showLink(this.runner, name);
    if (link && !isTagged(link, this.config))
      throw new Error(`interface ${name} exists and is not Canopy's`);
    if (link && !vxlanMatches(link, this.config, state.underlayAddress)) {
      await deleteLink(this.runner, name);
      changes.push(`removed ${name} (parameters changed)`);
      link = undefined;
    }
    if (!link) {
      await this.runner.run([
        'ip',
        'link',
        'add',
        'name',
        name,
        'address',
        mac,
        'mtu',
        String(this.config.tunnel.vxlanMtu),
        'type',
        'vxlan',
        'id',
        String(this.config.tunnel.vxlanId),
        'local',
        state.underlayAddress,
        'dstport',
        String(this.config.tunnel.port),
        'nolearning',
      ]);
      changes.push(`created ${name} (VXLAN ${this.config.tunnel.vxlanId})`);
      link = await showLink(this.runner, name);
      if (!link) throw new Error(`${name} vanished right after creation`);
    }
    if (link.alias !== this.config.linkAlias) {
      await this.runner.run(['ip', 'link', 'set', 'dev', name, 'alias', this.config.linkAlias]);
    }
    if (link.mac?.toLowerCase() !== mac)
      await this.runner.run(['ip', 'link', 'set', 'dev', name, 'address', mac]);
    if (link.mtu !== this.config.tunnel.vxlanMtu) {
      await this.runner.run([
        'ip',
        'link',
        'set',
        'dev',
        name,
        'mtu',
        String(this.config.tunnel.vxlanMtu),
      ]);
    }
    if (!link.up) await this.runner.run(['ip', 'link', 'set', 'dev', name, 'up']);

    const desired = vxlanPeerEntries(state.peers);
    const fdb = diffFdb(
      desired.fdb,
      parseFdb((await this.runner.run(['bridge', '-j', 'fdb', 'show', 'dev', name])).stdout),
    );
    for (const entry of fdb.remove) {
      await this.runner.run(
        [
          'bridge',
          'fdb',
          'del',
          entry.mac,
          'dev',
          name,
          ...(entry.dst ? ['dst', entry.dst] : []),
          'self',
        ],
        { check: false },
      );
    }
    for (const entry of fdb.add) {
      await this.runner.run([
        'bridge',
        'fdb',
        'replace',
        entry.mac,
        'dev',
        name,
        'dst',
        entry.dst,
        'self',
        'permanent',
      ]);
    }
    const neigh = diffNeighbors(
      desired.neighbors,
      parseNeighbors((await this.runner.run(['ip', '-j', 'neigh', 'show', 'dev', name])).stdout),
    );
    for (const entry of neigh.remove)
      await this.runner.run(['ip', 'neigh', 'del', entry.ip, 'dev', name], { check: false });
    for (const entry of neigh.replace) {
      await this.runner.run([
        'ip',
        'neigh',
        'replace',
        entry.ip,
        'lladdr',
        entry.mac,
        'dev',
        name,
        'nud',
        'permanent',
      ]);
    }
    if (fdb.add.length + fdb.remove.length + neigh.replace.length + neigh.remove.length > 0) {
      changes.push(`${name}: peers ${state.peers.map((p) => p.id).join(', ') || '(none)'}`);
    }
    return changes;
  }

  routes(state: WorkerNetworkState, subnet: Ipv4Cidr): RouteSpec[] {
    return state.peers.flatMap((peer) => {
      const cidr = parseCidr(peer.subnet);
      return cidr === null
        ? []
        : [
            {
              dst: cidr.text,
              dev: this.interfaceName,
              via: gatewayOf(cidr),
              onlink: true,
              src: gatewayOf(subnet),
            },
          ];
    });
  }

  async remove(): Promise<string[]> {
    const link = await showLink(this.runner, this.interfaceName);
    if (!link || !isTagged(link, this.config)) return [];
    // FDB, neighbour entries and routes through it go with the link.
    return (await deleteLink(this.runner, this.interfaceName))
      ? [`removed ${this.interfaceName}`]
      : [];
  }
}
