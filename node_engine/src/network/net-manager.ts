import type { Logger } from 'pino';
import { BridgeLink } from './bridge.link';
import type { CommandRunner } from './command.runner';
import {
  assertValidDesiredState,
  DesiredStateError,
  validateDesiredState,
} from './desired-state.validator';
import { DockerForwardRules } from './docker-forward.rules';
import { InstanceLinks } from './instance.link';
import { gatewayOf, parseCidr, type Ipv4Cidr } from './ipv4-cidr';
import type { ObservedLink, ObservedRoute } from './ip-json.parser';
import { listLinks, listOwnRoutes } from './ip-queries';
import {
  diffRoutes,
  isTagged,
  orphanInstanceLinks,
  orphanNetns,
  routeDeleteArgs,
  routeReplaceArgs,
} from './net-diff';
import {
  instanceMtu,
  resolveNetManagerConfig,
  TunnelBackendKind,
  type NetManagerConfig,
  type NetManagerConfigInput,
} from './net-manager.config';
import { isInstanceLinkName } from './net-names';
import { parseServiceCounters } from './nft-counters.parser';
import type {
  InstanceNetwork,
  ServiceRoute,
  TunnelPeer,
  WorkerNetworkState,
} from './net-desired-state';
import { renderRuleset, renderTableRemoval } from './nft-ruleset.renderer';
import type { TunnelBackend } from './tunnel.backend';
import { VxlanBackend } from './vxlan.backend';
import { WireguardBackend } from './wireguard.backend';

export interface NetManagerOptions {
  /** Runs every command; its `netns` is the worker's namespace (unset in production: the host). */
  runner: CommandRunner;
  config?: NetManagerConfigInput;
  logger?: Logger;
}

/** `ReconcileReport.failures` key of a tunnel that could not be set up. */
export const TUNNEL_FAILURE_KEY = '<tunnel>';

/** DNAT rule counters of one nftables table generation (see NetManager.serviceCounters). */
export interface ServiceCounters {
  generation: number;
  packets: Map<string, number>;
}

export interface ReconcileReport {
  /** What was changed, human-readable (empty = the host already matched). */
  changes: string[];
  /**
   * Parts that could not be converged, by instance key (e.g. its namespace is gone) or
   * TUNNEL_FAILURE_KEY; everything else was. Retried by the next reconcile.
   */
  failures: { key: string; error: string }[];
}

/** What of ours exists on the host (status output, tests). */
export interface NetInventory {
  /** Our links in the worker namespace: bridge, tunnel interfaces, instance veths. */
  links: ObservedLink[];
  /** Our routes (our protocol number). */
  routes: ObservedRoute[];
  nftTable: boolean;
  /** Owned named namespaces (our prefix). */
  ownedNetns: string[];
  /** wireguard-go processes serving our interface. */
  wireguardGoPids: number[];
  /** Our rules in Docker's DOCKER-USER chain. */
  dockerForwardRules: number;
}

/**
 * The worker's net manager: bridge, instance veths, tunnel, routes and nftables, converged to a
 * desired state. Level-triggered: `reconcile(state)` makes the host match `state` whatever it
 * finds (fresh host, crashed agent, half-applied change), so the agent calls it at start and
 * whenever the state changes; attach/detach/setServices/setPeers are the incremental forms.
 * Operations are serialised. Everything created is tagged (link alias, route protocol, own nft
 * table, DOCKER-USER comment, netns prefix, exact wireguard-go argv) and cleanup() removes
 * exactly that.
 */
export class NetManager {
  readonly config: NetManagerConfig;
  private readonly runner: CommandRunner;
  private readonly logger: Logger | undefined;
  private readonly bridge: BridgeLink;
  private readonly instances: InstanceLinks;
  private readonly wireguard: WireguardBackend;
  private readonly vxlan: VxlanBackend;
  private readonly dockerForward: DockerForwardRules;
  private current: WorkerNetworkState | undefined;
  private rulesetGeneration = 0;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: NetManagerOptions) {
    this.config = resolveNetManagerConfig(options.config);
    this.runner = options.runner;
    this.logger = options.logger;
    this.bridge = new BridgeLink(this.runner, this.config);
    this.instances = new InstanceLinks(this.runner, this.config);
    this.wireguard = new WireguardBackend(this.runner, this.config);
    this.vxlan = new VxlanBackend(this.runner, this.config);
    this.dockerForward = new DockerForwardRules(this.runner, this.config);
  }

  /** The last state applied (undefined before the first reconcile and after cleanup). */
  get desired(): WorkerNetworkState | undefined {
    return this.current;
  }

  /** Kernel or userspace WireGuard, once an interface was created or adopted. */
  get wireguardImplementation(): 'kernel' | 'userspace' | undefined {
    return this.wireguard.detectedImplementation;
  }

  /** The veth name of an instance on the worker side. */
  hostLinkName(key: string): string {
    return this.instances.hostLinkName(key);
  }

  private get tunnel(): TunnelBackend {
    return this.config.tunnel.backend === TunnelBackendKind.WIREGUARD ? this.wireguard : this.vxlan;
  }

  private get otherTunnel(): TunnelBackend {
    return this.config.tunnel.backend === TunnelBackendKind.WIREGUARD ? this.vxlan : this.wireguard;
  }

  private exclusive<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Makes the host match `state` completely. Throws DesiredStateError (and changes nothing) on an invalid state. */
  reconcile(state: WorkerNetworkState): Promise<ReconcileReport> {
    return this.exclusive(async () => {
      assertValidDesiredState(state, this.config);
      const subnet = this.subnetOf(state);
      const report: ReconcileReport = { changes: [], failures: [] };
      const changes = report.changes;
      changes.push(...(await this.ensureForwarding()));
      changes.push(...(await this.bridge.ensure(subnet)));
      try {
        changes.push(...(await this.otherTunnel.remove()));
        changes.push(...(await this.tunnel.ensure(state, subnet)));
        changes.push(...(await this.syncRoutes(state, subnet)));
      } catch (error) {
        // Without a tunnel the worker's own instances still work: converge the rest.
        report.failures.push({ key: TUNNEL_FAILURE_KEY, error: (error as Error).message });
      }

      const wanted = new Set(state.instances.map((i) => this.instances.hostLinkName(i.key)));
      for (const orphan of orphanInstanceLinks(await listLinks(this.runner), wanted, this.config)) {
        await this.runner.run(['ip', 'link', 'del', 'dev', orphan.name], { check: false });
        changes.push(`removed orphan ${orphan.name}`);
      }
      const owned = new Set(
        state.instances.flatMap((i) => ('name' in i.netns && i.netns.owned ? [i.netns.name] : [])),
      );
      for (const name of orphanNetns(await this.instances.listNetns(), owned, this.config)) {
        if (await this.instances.deleteNetns(name)) changes.push(`removed orphan netns ${name}`);
      }
      const context = { gateway: gatewayOf(subnet), mtu: instanceMtu(this.config) };
      for (const instance of state.instances) {
        try {
          changes.push(...(await this.instances.attach(instance, context)));
        } catch (error) {
          report.failures.push({ key: instance.key, error: (error as Error).message });
        }
      }
      await this.applyRuleset(state);
      changes.push(...(await this.dockerForward.ensure()));
      this.current = structuredClone(state);
      this.logger?.info({ changes, failures: report.failures }, 'network reconciled');
      return report;
    });
  }

  /**
   * Attaches one instance (replacing the entry with the same key) and updates the DNAT rules
   * (its InstanceIP and port mappings). Needs a prior reconcile (the worker's subnet and tunnel).
   */
  attach(instance: InstanceNetwork): Promise<string[]> {
    return this.exclusive(async () => {
      const state = this.requireState();
      const next = {
        ...state,
        instances: [...state.instances.filter((i) => i.key !== instance.key), instance],
      };
      assertValidDesiredState(next, this.config);
      const subnet = this.subnetOf(next);
      const changes = await this.instances.attach(instance, {
        gateway: gatewayOf(subnet),
        mtu: instanceMtu(this.config),
      });
      await this.applyRuleset(next);
      this.current = structuredClone(next);
      return changes;
    });
  }

  /** Removes an instance's veth, its rules and (if owned) its namespace. Unknown keys are a no-op. */
  detach(key: string): Promise<string[]> {
    return this.exclusive(async () => {
      const state = this.requireState();
      const instance = state.instances.find((i) => i.key === key);
      const next = { ...state, instances: state.instances.filter((i) => i.key !== key) };
      // Rules first: no DNAT to an address that is about to disappear.
      await this.applyRuleset(next);
      this.current = structuredClone(next);
      return instance ? this.instances.detach(instance) : [];
    });
  }

  /** Replaces the service/instance address table (table query results, pushed updates). */
  setServices(services: ServiceRoute[]): Promise<void> {
    return this.exclusive(async () => {
      const next = { ...this.requireState(), services };
      assertValidDesiredState(next, this.config);
      await this.applyRuleset(next);
      this.current = structuredClone(next);
    });
  }

  /** Replaces the tunnel peers (workers joined or left). */
  setPeers(peers: TunnelPeer[]): Promise<string[]> {
    return this.exclusive(async () => {
      const next = { ...this.requireState(), peers };
      assertValidDesiredState(next, this.config);
      const subnet = this.subnetOf(next);
      const changes = [
        ...(await this.tunnel.ensure(next, subnet)),
        ...(await this.syncRoutes(next, subnet)),
      ];
      this.current = structuredClone(next);
      return changes;
    });
  }

  /**
   * New connections per service address (the DNAT rules' counters; nat chains see only the first
   * packet of a connection), read with one `nft -j list chain`. `generation` changes whenever the
   * table was replaced, which starts every counter at 0 again.
   */
  serviceCounters(): Promise<ServiceCounters> {
    return this.exclusive(async () => {
      const generation = this.rulesetGeneration;
      if (!this.current) return { generation, packets: new Map<string, number>() };
      const out = await this.runner.run([
        'nft',
        '-j',
        'list',
        'chain',
        'inet',
        this.config.nftTable,
        'services',
      ]);
      return { generation, packets: parseServiceCounters(out.stdout) };
    });
  }

  /** The namespace the data plane lives in (undefined: this process's own). */
  get netns(): string | undefined {
    return this.runner.netns;
  }

  /** The nftables script for the current state (what `nft list table` should show). */
  renderRuleset(state: WorkerNetworkState | undefined = this.current): string {
    if (!state) throw new Error('no desired state yet');
    return renderRuleset(state, this.config);
  }

  /**
   * Removes everything of ours from the host: nft table, DOCKER-USER rules, tunnel interfaces
   * (and wireguard-go), routes, instance veths, the bridge and owned namespaces. Found by tag,
   * not by memory, so it also cleans up after a crashed agent. Idempotent.
   */
  cleanup(): Promise<string[]> {
    return this.exclusive(async () => {
      const changes: string[] = [];
      await this.runner.run(['nft', '-f', '-'], { input: renderTableRemoval(this.config) });
      changes.push(`removed nft table inet ${this.config.nftTable} (if present)`);
      changes.push(...(await this.dockerForward.remove()));
      changes.push(...(await this.wireguard.remove()));
      changes.push(...(await this.vxlan.remove()));
      for (const route of await this.ownRoutes()) {
        await this.runner.run(routeDeleteArgs(route, this.config.routeProtocol), { check: false });
        changes.push(`removed route ${route.dst}`);
      }
      for (const link of orphanInstanceLinks(
        await listLinks(this.runner),
        new Set(),
        this.config,
      )) {
        await this.runner.run(['ip', 'link', 'del', 'dev', link.name], { check: false });
        changes.push(`removed ${link.name}`);
      }
      changes.push(...(await this.bridge.remove()));
      for (const name of orphanNetns(await this.instances.listNetns(), new Set(), this.config)) {
        if (await this.instances.deleteNetns(name)) changes.push(`removed netns ${name}`);
      }
      this.current = undefined;
      this.logger?.info({ changes }, 'network cleaned up');
      return changes;
    });
  }

  async inventory(): Promise<NetInventory> {
    const names = new Set([
      this.config.bridge,
      this.config.tunnel.wireguardInterface,
      this.config.tunnel.vxlanInterface,
    ]);
    const links = (await listLinks(this.runner)).filter(
      (l) =>
        isTagged(l, this.config) &&
        (names.has(l.name) ||
          (l.kind === 'veth' && isInstanceLinkName(this.config.linkPrefix, l.name))),
    );
    const tables = await this.runner.run(['nft', '-j', 'list', 'tables']);
    const nftTable =
      (
        JSON.parse(tables.stdout) as { nftables?: { table?: { family?: string; name?: string } }[] }
      ).nftables?.some(
        (entry) => entry.table?.family === 'inet' && entry.table.name === this.config.nftTable,
      ) ?? false;
    const pids = new Set([
      ...this.wireguard.runningPids.filter((pid) => this.runner.isAlive(pid)),
      ...(await this.wireguard.leftoverPids()),
    ]);
    return {
      links,
      routes: await this.ownRoutes(),
      nftTable,
      ownedNetns: (await this.instances.listNetns()).filter((n) =>
        n.startsWith(this.config.ownedNetnsPrefix),
      ),
      wireguardGoPids: [...pids],
      dockerForwardRules: await this.dockerForward.count(),
    };
  }

  /** Problems of a candidate state without applying it (e.g. to refuse one bad deploy). */
  validate(state: WorkerNetworkState): string[] {
    return validateDesiredState(state, this.config);
  }

  private requireState(): WorkerNetworkState {
    if (!this.current) throw new Error('the net manager has no state yet: reconcile first');
    return this.current;
  }

  private subnetOf(state: WorkerNetworkState): Ipv4Cidr {
    const subnet = parseCidr(state.subnet);
    if (!subnet) throw new DesiredStateError([`subnet "${state.subnet}" is not an IPv4 prefix`]);
    return subnet;
  }

  private async applyRuleset(state: WorkerNetworkState): Promise<void> {
    this.rulesetGeneration++;
    await this.runner.run(['nft', '-f', '-'], { input: renderRuleset(state, this.config) });
  }

  /**
   * Our routes: tagged with our protocol AND on one of our interfaces. Another agent on the same
   * host (its own bridge and tunnel) tags its routes the same way; they are never ours to remove.
   */
  private async ownRoutes(): Promise<Awaited<ReturnType<typeof listOwnRoutes>>> {
    const devices = new Set([
      this.config.bridge,
      this.config.tunnel.wireguardInterface,
      this.config.tunnel.vxlanInterface,
    ]);
    return (await listOwnRoutes(this.runner, this.config.routeProtocol)).filter(
      (r) => r.dev !== undefined && devices.has(r.dev),
    );
  }

  private async syncRoutes(state: WorkerNetworkState, subnet: Ipv4Cidr): Promise<string[]> {
    const protocol = this.config.routeProtocol;
    // The service pool goes to the bridge: traffic to a ServiceIP without a DNAT rule then
    // reaches the forward chain (traced as a table miss, dropped) instead of leaking to the
    // default route, or failing at once with "network unreachable" on hosts without one.
    const pool = parseCidr(this.config.servicePool);
    const { replace, remove } = diffRoutes(
      [
        ...(await this.tunnel.routes(state, subnet)),
        ...(pool ? [{ dst: pool.text, dev: this.config.bridge, shared: true }] : []),
      ],
      await this.ownRoutes(),
    );
    const changes: string[] = [];
    for (const route of remove) {
      await this.runner.run(routeDeleteArgs(route, protocol), { check: false });
      changes.push(`removed route ${route.dst} dev ${route.dev ?? '?'}`);
    }
    for (const route of replace) {
      await this.runner.run(routeReplaceArgs(route, protocol));
      changes.push(`route ${route.dst} dev ${route.dev}`);
    }
    return changes;
  }

  /** Routing between bridge and tunnel needs IPv4 forwarding (left on at cleanup: Docker needs it too). */
  private async ensureForwarding(): Promise<string[]> {
    const value = (await this.runner.run(['sysctl', '-n', 'net.ipv4.ip_forward'])).stdout.trim();
    if (value === '1') return [];
    await this.runner.run(['sysctl', '-qw', 'net.ipv4.ip_forward=1']);
    return ['enabled net.ipv4.ip_forward'];
  }
}
