import type { CommandRunner } from './command.runner';
import { bridgeMac, gatewayOf, type Ipv4Cidr } from './ipv4-cidr';
import { diffAddresses, isTagged } from './net-diff';
import type { NetManagerConfig } from './net-manager.config';
import { deleteLink, showLink } from './ip-queries';

/**
 * The worker's bridge: holds the gateway address (first address of the worker subnet) and one
 * port per instance veth. ensure() converges an existing bridge (address changed, down) instead
 * of recreating it, so instances stay attached.
 */
export class BridgeLink {
  constructor(
    private readonly runner: CommandRunner,
    private readonly config: NetManagerConfig,
  ) {}

  async ensure(subnet: Ipv4Cidr): Promise<string[]> {
    const name = this.config.bridge;
    const changes: string[] = [];
    let link = await showLink(this.runner, name);
    if (link && (link.kind !== 'bridge' || !isTagged(link, this.config))) {
      throw new Error(
        `interface ${name} exists and is not Canopy's bridge (kind ${link.kind ?? '?'}, alias ${link.alias ?? '-'})`,
      );
    }
    if (!link) {
      await this.runner.run([
        'ip',
        'link',
        'add',
        'name',
        name,
        'address',
        bridgeMac(subnet),
        'type',
        'bridge',
      ]);
      changes.push(`created bridge ${name}`);
      link = await showLink(this.runner, name);
    }
    if (link?.alias !== this.config.linkAlias) {
      await this.runner.run(['ip', 'link', 'set', 'dev', name, 'alias', this.config.linkAlias]);
    }
    if (link?.mac?.toLowerCase() !== bridgeMac(subnet)) {
      await this.runner.run(['ip', 'link', 'set', 'dev', name, 'address', bridgeMac(subnet)]);
    }
    const { add, remove } = diffAddresses(
      [`${gatewayOf(subnet)}/${subnet.prefix}`],
      link?.addresses ?? [],
    );
    for (const address of remove) {
      await this.runner.run(['ip', 'addr', 'del', address, 'dev', name]);
      changes.push(`bridge ${name}: removed ${address}`);
    }
    for (const address of add) {
      await this.runner.run(['ip', 'addr', 'add', address, 'dev', name]);
      changes.push(`bridge ${name}: added ${address}`);
    }
    if (!link?.up) await this.runner.run(['ip', 'link', 'set', 'dev', name, 'up']);
    // Lets a port mapping called on 127.0.0.1 be routed to an instance; the ruleset masquerades
    // those packets and drops any that arrive on the bridge for 127/8. Gone with the bridge.
    const localnet = `net.ipv4.conf.${name}.route_localnet`;
    if ((await this.runner.run(['sysctl', '-n', localnet])).stdout.trim() !== '1') {
      await this.runner.run(['sysctl', '-qw', `${localnet}=1`]);
      changes.push(`bridge ${name}: route_localnet on (port mappings on loopback)`);
    }
    return changes;
  }

  /** Removes the bridge if it is ours. */
  async remove(): Promise<string[]> {
    const link = await showLink(this.runner, this.config.bridge);
    if (!link || link.kind !== 'bridge' || !isTagged(link, this.config)) return [];
    return (await deleteLink(this.runner, this.config.bridge))
      ? [`removed bridge ${this.config.bridge}`]
      : [];
  }
}
