import { uniqueName } from '@canopy/testing';
import { ClusterProcess, eventually, http, RootProcess } from '../clusters/cluster-stack';
import { deleteRedisKeys, services, type WorkerView } from '../workers/worker-stack';
import { NetnsWorkerAgent, NetStack } from './net-stack';
import { workerNsSnapshot } from './net-client';
import type { UnderlayHost } from './netns-underlay';

/**
 * Root on the host, TWO clusters with default settings (no WORKER_SUBNET_POOL: the root assigns
 * each a pool of its own; they share the broker), and
 * one worker agent per cluster, each in its own network namespace on the underlay: worker `a`
 * joins the first cluster, worker `b` the second. Traffic from a to b therefore needs the whole
 * hierarchy: b's cluster reports to the root, the root answers a's cluster's table query and
 * hands each cluster the other's tunnel peers.
 */
export class FederationStack extends NetStack {
  cluster2!: ClusterProcess;
  /** Each worker namespace as it was before its agent started (links, addresses, routes, nft). */
  readonly nsBefore = new Map<string, Awaited<ReturnType<typeof workerNsSnapshot>>>();

  override async start(): Promise<void> {
    await this.underlay.setUp();
    const hosts = [await this.underlay.addHost('a', 1), await this.underlay.addHost('b', 2)];
    for (const h of hosts) this.nsBefore.set(h.label, await workerNsSnapshot(h.netns));

    this.root = await RootProcess.start();
    const tag = Math.random().toString(36).slice(2, 8);
    const clusters: ClusterProcess[] = [];
    for (const i of [0, 1]) {
      const cluster = await ClusterProcess.create(`fed${i + 1}-${tag}`, this.root);
      Object.assign(cluster.env, {
        BULLMQ_PREFIX: uniqueName(`e2e_fed${i + 1}`),
        WORKER_TIMEOUT: '8s',
        CLUSTER_SCHEDULING_RETRY_INTERVAL: '1s',
      });
      await cluster.launch();
      clusters.push(cluster);
    }
    [this.cluster, this.cluster2] = clusters as [ClusterProcess, ClusterProcess];
    await eventually(
      async () => ((await this.root.clusters(true)).length === 2 ? true : undefined),
      'both clusters active at the root',
    );
    for (const c of clusters) await this.underlay.forward(Number(c.env['CLUSTER_HTTP_PORT']));
    await this.underlay.forward(Number(new URL(services.mqttUrl).port || 1883));

    this.workers = hosts.map(
      (host, i) =>
        new NetnsWorkerAgent(
          `e2e-f${host.label}-${tag}`,
          this.dir,
          this.workerResources[i] ?? { vcpus: 2, memory: 512 },
          host as UnderlayHost,
          this.underlay.hostIp,
        ),
    );
    this.workers.forEach((w, i) => w.writeConfig(Number(clusters[i]?.env['CLUSTER_HTTP_PORT'])));
    await Promise.all(this.workers.map((w) => w.start()));
    for (const [i, w] of this.workers.entries()) {
      await w.joined();
      const cluster = clusters[i] as ClusterProcess;
      await eventually(async () => {
        const views = (await http(cluster.base, 'GET', '/api/workers')).body as WorkerView[];
        return views.find((v) => v.id === w.id)?.active ? true : undefined;
      }, `${w.nodeName} active at ${cluster.name}`);
    }
    await eventually(async () => {
      const all = await this.root.clusters(true);
      return all.length === 2 && all.every((c) => c['active_nodes'] === 1) ? true : undefined;
    }, 'both cluster aggregates at the root include their worker');
    await this.dataPlanesUp();

    await this.observeWorkers('fed');
  }

  override async stop(): Promise<void> {
    try {
      await super.stop();
    } finally {
      await this.cluster2?.stop();
      await this.cluster2?.dropDatabase();
      const prefix = this.cluster2?.env['BULLMQ_PREFIX'];
      if (prefix?.startsWith('e2e_')) await deleteRedisKeys([prefix]);
    }
  }
}
