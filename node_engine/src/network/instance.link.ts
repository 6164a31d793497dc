import type { CommandRunner } from './command.runner';
import { netnsPath } from './command.runner';
import {
  parseNetnsList,
  parseRoutes,
  type ObservedLink,
  type ObservedRoute,
} from './ip-json.parser';
import { deleteLink, listLinks, showLink } from './ip-queries';
import { instanceMac } from './ipv4-cidr';
import { diffAddresses, isTagged } from './net-diff';
import type { NetManagerConfig } from './net-manager.config';
import { INSTANCE_IFNAME, instanceLinkName } from './net-names';
import type { InstanceNetwork, NetnsRef } from './net-desired-state';

export interface AttachContext {
  /** The bridge address: the instances' default gateway. */
  gateway: string;
  mtu: number;
}

/** Where the instance's commands run: the path nsenter enters. */
export function instanceNetnsPath(netns: NetnsRef): string {
  return 'path' in netns ? netns.path : netnsPath(netns.name);
}

/**
 * Commands (run inside the instance's namespace) that bring its `eth0` to the desired
 * configuration from what is observed there. Addressing: the namespace IP and the InstanceIP
 * both as /32, and a default route via the bridge address `onlink`. With no on-link subnet
 * route, even neighbours on the same bridge are reached through the worker, so DNATed replies
 * always pass the conntrack entry that reverses them (no hairpin masquerading needed and the
 * server sees the real client address). Pure.
 */
export function planInstanceSide(
  instance: InstanceNetwork,
  observed: { eth0: ObservedLink; lo?: ObservedLink; routes: ObservedRoute[] },
  context: AttachContext,
): string[][] {
  const dev = INSTANCE_IFNAME;
  const commands: string[][] = [];
  if (observed.lo && !observed.lo.up) commands.push(['ip', 'link', 'set', 'dev', 'lo', 'up']);
  if (observed.eth0.mtu !== context.mtu)
    commands.push(['ip', 'link', 'set', 'dev', dev, 'mtu', String(context.mtu)]);
  const mac = instanceMac(instance.namespaceIp);
  if (observed.eth0.mac?.toLowerCase() !== mac)
    commands.push(['ip', 'link', 'set', 'dev', dev, 'address', mac]);
  const wanted = [
    `${instance.namespaceIp}/32`,
    ...(instance.instanceIp ? [`${instance.instanceIp}/32`] : []),
  ];
  const { add, remove } = diffAddresses(wanted, observed.eth0.addresses);
  for (const address of remove) commands.push(['ip', 'addr', 'del', address, 'dev', dev]);
  for (const address of add) commands.push(['ip', 'addr', 'add', address, 'dev', dev]);
  if (!observed.eth0.up) commands.push(['ip', 'link', 'set', 'dev', dev, 'up']);
  const defaults = observed.routes.filter((r) => r.dst === 'default');
  const routeRight =
    defaults.length === 1 &&
    defaults.every(
      (r) =>
        r.gateway === context.gateway &&
        r.dev === dev &&
        r.onlink &&
        r.prefsrc === instance.namespaceIp,
    );
  // Removing an address or bringing the link up can take the route with it: set it again then.
  if (!routeRight || remove.length > 0 || !observed.eth0.up) {
    commands.push([
      'ip',
      'route',
      'replace',
      'default',
      'via',
      context.gateway,
      'dev',
      dev,
      'onlink',
      'src',
      instance.namespaceIp,
    ]);
  }
  return commands;
}

/** Commands (worker namespace) for the host end: tagged, on the bridge, right MTU, up. Pure. */
export function planHostSide(
  host: ObservedLink,
  config: NetManagerConfig,
  mtu: number,
): string[][] {
  const commands: string[][] = [];
  if (host.alias !== config.linkAlias)
    commands.push(['ip', 'link', 'set', 'dev', host.name, 'alias', config.linkAlias]);
  if (host.mtu !== mtu) commands.push(['ip', 'link', 'set', 'dev', host.name, 'mtu', String(mtu)]);
  if (host.master !== config.bridge)
    commands.push(['ip', 'link', 'set', 'dev', host.name, 'master', config.bridge]);
  if (!host.up) commands.push(['ip', 'link', 'set', 'dev', host.name, 'up']);
  return commands;
}

/** True when `host` (worker side) and `eth0` (instance side) are the two ends of one veth. */
export function isVethPair(host: ObservedLink, eth0: ObservedLink): boolean {
  return (
    host.kind === 'veth' &&
    eth0.kind === 'veth' &&
    host.peerIndex === eth0.index &&
    eth0.peerIndex === host.index
  );
}

/**
 * Attaches instance namespaces to the bridge by a veth pair: `<prefix>v<hash>` on the worker,
 * `eth0` inside. The pair is created with the peer directly in the target namespace under its
 * final name (one netlink request), so a crash never leaves a half-moved pair; anything else
 * found half-done is converged or recreated.
 */
export class InstanceLinks {
  constructor(
    private readonly runner: CommandRunner,
    private readonly config: NetManagerConfig,
  ) {}

  hostLinkName(key: string): string {
    return instanceLinkName(this.config.linkPrefix, key);
  }

  async attach(instance: InstanceNetwork, context: AttachContext): Promise<string[]> {
    const changes: string[] = [];
    const host = this.hostLinkName(instance.key);
    const path = instanceNetnsPath(instance.netns);
    if ('name' in instance.netns && instance.netns.owned === true) {
      if (await this.ensureOwnedNetns(instance.netns.name))
        changes.push(`created netns ${instance.netns.name}`);
    }
    if (!(await this.runner.fileExists(path))) {
      throw new Error(
        `network namespace ${path} of instance ${instance.key} does not exist (instance not running?)`,
      );
    }
    let hostLink = await showLink(this.runner, host);
    if (hostLink && (hostLink.kind !== 'veth' || !isTagged(hostLink, this.config))) {
      throw new Error(`interface ${host} exists and is not Canopy's veth of ${instance.key}`);
    }
    let inside = await listLinks(this.runner, path);
    let eth0 = inside.find((l) => l.name === INSTANCE_IFNAME);
    if (hostLink && !(eth0 && isVethPair(hostLink, eth0))) {
      // A pair whose other end is gone or elsewhere (the container restarted in a new namespace).
      await deleteLink(this.runner, host);
      changes.push(`removed stale ${host}`);
      hostLink = undefined;
      inside = await listLinks(this.runner, path);
      eth0 = inside.find((l) => l.name === INSTANCE_IFNAME);
    }
    if (!hostLink) {
      if (eth0)
        throw new Error(
          `namespace ${path} of ${instance.key} already has an ${INSTANCE_IFNAME} that is not Canopy's`,
        );
      const mtu = String(context.mtu);
      await this.runner.run([
        'ip',
        'link',
        'add',
        'name',
        host,
        'mtu',
        mtu,
        'type',
        'veth',
        'peer',
        'name',
        INSTANCE_IFNAME,
        'address',
        instanceMac(instance.namespaceIp),
        'mtu',
        mtu,
        'netns',
        path,
      ]);
      changes.push(`created ${host} <-> ${INSTANCE_IFNAME} of ${instance.key}`);
      hostLink = await showLink(this.runner, host);
      inside = await listLinks(this.runner, path);
      eth0 = inside.find((l) => l.name === INSTANCE_IFNAME);
    }
    if (!hostLink || !eth0) throw new Error(`veth of ${instance.key} vanished while attaching`);
    for (const argv of planHostSide(hostLink, this.config, context.mtu))
      await this.runner.run(argv);
    const routes = parseRoutes(
      (await this.runner.run(['ip', '-j', 'route', 'show'], { netns: path })).stdout,
    );
    const lo = inside.find((l) => l.name === 'lo');
    const plan = planInstanceSide(instance, { eth0, routes, ...(lo ? { lo } : {}) }, context);
    for (const argv of plan) await this.runner.run(argv, { netns: path });
    if (plan.length > 0) changes.push(`configured ${INSTANCE_IFNAME} of ${instance.key}`);
    return changes;
  }

  /** Removes the instance's veth (both ends) and, when owned, its namespace. Idempotent. */
  async detach(instance: Pick<InstanceNetwork, 'key' | 'netns'>): Promise<string[]> {
    const changes: string[] = [];
    const host = this.hostLinkName(instance.key);
    const link = await showLink(this.runner, host);
    if (
      link &&
      link.kind === 'veth' &&
      isTagged(link, this.config) &&
      (await deleteLink(this.runner, host))
    ) {
      changes.push(`removed ${host} of ${instance.key}`);
    }
    if (
      'name' in instance.netns &&
      instance.netns.owned === true &&
      (await this.deleteNetns(instance.netns.name))
    ) {
      changes.push(`removed netns ${instance.netns.name}`);
    }
    return changes;
  }

  async listNetns(): Promise<string[]> {
    return parseNetnsList(
      (await this.runner.run(['ip', '-j', 'netns', 'list'], { netns: null })).stdout,
    );
  }

  /** Named namespaces live in the host's /run/netns whatever namespace the worker runs in. */
  private async ensureOwnedNetns(name: string): Promise<boolean> {
    if ((await this.listNetns()).includes(name)) return false;
    await this.runner.run(['ip', 'netns', 'add', name], { netns: null });
    return true;
  }

  async deleteNetns(name: string): Promise<boolean> {
    if (!(await this.listNetns()).includes(name)) return false;
    await this.runner.run(['ip', 'netns', 'del', name], { netns: null });
    return true;
  }
}
