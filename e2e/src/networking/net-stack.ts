import { writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { ManagedProcess } from '@canopy/testing';
import { eventually } from '../clusters/cluster-stack';
import { dist, E2E_WORKER_JOIN_TOKEN, REPO } from '../support/stack';
import {
  containersOf,
  docker,
  services,
  WORKER_RECONCILE_SECONDS,
  WorkerAgent,
  type WorkerResources,
  WorkerStack,
} from '../workers/worker-stack';
import { canopyTableIn } from './net-client';
import { NetnsUnderlay, sh, type UnderlayHost } from './netns-underlay';

/** A worker agent running inside its own network namespace, with the data plane on. */
export class NetnsWorkerAgent extends WorkerAgent {
  constructor(
    nodeName: string,
    dir: string,
    resources: WorkerResources,
    readonly host: UnderlayHost,
    private readonly clusterAddress: string,
  ) {
    super(nodeName, dir, resources);
  }

  override writeConfig(clusterPort: number): void {
    writeFileSync(
      this.configPath,
      JSON.stringify({
        cluster_address: this.clusterAddress,
        cluster_port: clusterPort,
        join_token: E2E_WORKER_JOIN_TOKEN,
        state_dir: this.stateDir,
        app_logs: join(this.dir, `apps-${this.nodeName}`),
        node_name: this.nodeName,
        labels: { e2e: 'networking' },
        log_level: 'info',
        runtime: {
          reconcile_interval_seconds: WORKER_RECONCILE_SECONDS,
          restart_backoff_max_seconds: 5,
        },
        resources: this.resources,
        network: {
          enabled: true,
          backend: 'wireguard',
          interface: this.host.tunnelInterface,
          bridge: this.host.bridge,
          underlay_address: this.host.underlayIp,
        },
      }),
      { mode: 0o600 },
    );
  }

  override async start(): Promise<void> {
    this.proc = await ManagedProcess.start({
      name: `node_engine ${this.nodeName} (netns ${this.host.netns})`,
      command: 'ip',
      args: [
        'netns',
        'exec',
        this.host.netns,
        process.execPath,
        dist('node_engine'),
        'start',
        '--config',
        this.configPath,
      ],
      cwd: REPO,
      env: {
        CANOPY_NODE_CONFIG: undefined,
        WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1',
      },
    });
  }
}

/**
 * Root + cluster on the host's loopback, and worker agents each in a network namespace of a
 * {@link NetnsUnderlay}, reaching the cluster and the broker at the underlay's host address.
 */
export class NetStack extends WorkerStack {
  readonly underlay = new NetnsUnderlay();
  /** Processes seen inside the namespaces just before teardown (agents, wireguard-go). */
  processesAtTeardown: { netns: string; pid: number; cmd: string }[] = [];

  override async start(): Promise<void> {
    await this.underlay.setUp();
    const hosts: UnderlayHost[] = [];
    for (const [i] of this.workerResources.entries())
      hosts.push(await this.underlay.addHost(String.fromCharCode(97 + i), i + 1));

    await this.startRootAndCluster('nt');
    const port = Number(this.cluster.env['CLUSTER_HTTP_PORT']);
    await this.underlay.forward(port);
    await this.underlay.forward(Number(new URL(services.mqttUrl).port || 1883));

    const tag = Math.random().toString(36).slice(2, 8);
    this.workers = this.workerResources.map(
      (resources, i) =>
        new NetnsWorkerAgent(
          `e2e-n${String.fromCharCode(97 + i)}-${tag}`,
          this.dir,
          resources,
          hosts[i] as UnderlayHost,
          this.underlay.hostIp,
        ),
    );
    for (const w of this.workers) w.writeConfig(port);
    await Promise.all(this.workers.map((w) => w.start()));
    for (const w of this.workers) {
      await w.joined();
    }
    await eventually(async () => {
      const views = await this.workerViews();
      return this.workers.every((w) => views.find((v) => v.id === w.id)?.active) ? true : undefined;
    }, 'workers active at the cluster').catch((e: Error) => {
      throw new Error(`${e.message}\n${this.tail()}`);
    });
    await eventually(async () => {
      const [c] = await this.root.clusters(true);
      return c && c['active_nodes'] === this.workers.length ? true : undefined;
    }, 'cluster aggregate at the root includes the workers');
    await this.dataPlanesUp();

    await this.observeWorkers('nt');
  }

  /**
   * Waits until every worker's agent has its nftables table (tests snapshot from there on) and
   * its WireGuard interface lists every other worker as a peer: first-request timings then measure
   * the table flow, not a tunnel still being configured.
   */
  async dataPlanesUp(): Promise<void> {
    const workers = this.workers as NetnsWorkerAgent[];
    const wg = (w: NetnsWorkerAgent, what: 'public-key' | 'peers') =>
      sh(['ip', 'netns', 'exec', w.host.netns, 'wg', 'show', w.host.tunnelInterface, what], false);
    const keys = new Map<string, string>();
    for (const w of workers) {
      await eventually(
        async () => ((await canopyTableIn(w.host.netns)) !== undefined ? true : undefined),
        `${w.nodeName}'s data plane up`,
      );
      const key = await eventually(async () => {
        const out = await wg(w, 'public-key');
        return out.code === 0 && out.stdout.trim() !== '' ? out.stdout.trim() : undefined;
      }, `${w.nodeName}'s WireGuard key`);
      keys.set(w.nodeName, key);
    }
    for (const w of workers) {
      await eventually(async () => {
        const peers = new Set((await wg(w, 'peers')).stdout.split('\n').map((l) => l.trim()));
        return workers.every((o) => o === w || peers.has(keys.get(o.nodeName) ?? '?'))
          ? true
          : undefined;
      }, `${w.nodeName} has every other worker as a tunnel peer`);
    }
  }

  worker(label: 'a' | 'b'): NetnsWorkerAgent {
    const w = this.workers.find((x) => (x as NetnsWorkerAgent).host.label === label);
    if (!w) throw new Error(`no worker ${label}`);
    return w as NetnsWorkerAgent;
  }

  /** Everything: apps, agents, containers, root/cluster, then namespaces, veths, forwarders. */
  override async stop(): Promise<void> {
    this.processesAtTeardown = await this.underlay.processes().catch(() => []);
    try {
      await super.stop();
    } finally {
      // Containers of these workers (by label), even if the agents never reported an id back.
      for (const w of this.workers) {
        if (!w.id) continue;
        for (const c of await containersOf(w.id).catch(() => []))
          await docker
            .getContainer(c.Id)
            .remove({ force: true })
            .catch(() => undefined);
      }
      await this.underlay.destroy();
    }
  }
}

/**
 * Stops `stack` and removes `dir`, then reports what is left of it: namespaces, links and
 * processes of its underlay, and containers of its workers (both must be empty).
 */
export async function stopAndListLeftovers(
  stack: NetStack,
  dir: string,
): Promise<{ left: string[]; containers: unknown[] }> {
  const ids = stack.workers.map((w) => w.id).filter(Boolean);
  await stack.stop();
  const left = await stack.underlay.leftovers();
  const containers = (await Promise.all(ids.map((id) => containersOf(id).catch(() => [])))).flat();
  await rm(dir, { recursive: true, force: true });
  return { left, containers };
}
