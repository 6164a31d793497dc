import { isIpv4InCidr } from '@canopy/contracts';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type Json } from '../clusters/cluster-stack';
import { dist } from '../support/stack';
import { appName, containersOf, microservice } from '../workers/worker-stack';
import { FederationStack } from './federation-stack';
import { stopAndListLeftovers } from './net-stack';
import { firstAnswer, getFrom, servicesChainIn, workerNsSnapshot } from './net-client';
import { sh } from './netns-underlay';

/**
 * Issue 6 across the hierarchy: a client on worker A (cluster 1) calls a service whose instances
 * run on worker B (cluster 2). Nothing about the service is in cluster 1: A's first packet to the
 * rr_ip misses its table, A queries cluster 1, cluster 1 asks the root (registering interest), the
 * root answers with B's instance, and the root has handed each cluster the other's workers as
 * tunnel peers. A second instance on B reaches A's table through the root's push,
 * `jobs/<job>/updates_available` and A's re-query. Finally `canopy-node stop --purge` on A leaves
 * its namespace exactly as it was before the agent started.
 */
const WORKER = { vcpus: 2, memory: 512 };

const httpdCmd = [
  'sh',
  '-c',
  'mkdir -p /www && hostname > /www/index.html && ' +
    'httpd -p 80 -h /www && trap "exit 0" TERM && while true; do sleep 1; done',
];
const idleCmd = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];

/** The DNAT rule lines of worker `netns` for `address` (empty when it has none). */
async function dnatFor(netns: string, address: string): Promise<string[]> {
  return (await servicesChainIn(netns)).filter((l) => l.startsWith(`ip daddr ${address} `));
}

describe('networking across clusters: table query through the root, remote tunnel peers, pushed updates, purge', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-fed-e2e-'));
  const stack = new FederationStack(dir, [WORKER, WORKER]);
  let serverId = '';
  let clientContainer = '';
  let rr = '';

  beforeAll(async () => {
    await stack.start();
  }, 150_000);

  afterAll(async () => {
    const { left, containers } = await stopAndListLeftovers(stack, dir);
    expect(left).toEqual([]);
    expect(containers).toEqual([]);
  }, 90_000);

  it('clusters with default settings get disjoint worker subnet pools from the root', async () => {
    const pools = Object.fromEntries(
      (await stack.root.clusters()).map((c) => [
        c['cluster_name'],
        String(c['worker_subnet_pool']),
      ]),
    );
    const [p1, p2] = [pools[stack.cluster.name], pools[stack.cluster2.name]];
    console.log(`worker subnet pools assigned by the root: ${JSON.stringify(pools)}`);
    expect(new Set([p1, p2])).toEqual(new Set(['10.18.0.0/20', '10.18.16.0/20']));
    const subnetOf = (label: 'a' | 'b') =>
      String((stack.worker(label).identity() as { subnetwork?: string } | undefined)?.subnetwork);
    const inPool = (subnet: string, pool: string) => isIpv4InCidr(subnet.split('/')[0] ?? '', pool);
    expect(inPool(subnetOf('a'), String(p1))).toBe(true);
    expect(inPool(subnetOf('b'), String(p2))).toBe(true);
    for (const c of await stack.root.clusters()) expect(c['network_problem']).toBeNull();
  });

  it('a client on cluster 1 reaches a service on cluster 2 through its rr_ip and InstanceIP', async () => {
    const a = stack.worker('a');
    const b = stack.worker('b');
    const app = await stack.createApplication(appName('fed'), [
      microservice('client', {
        memory: 32,
        vcpus: 1,
        cmd: idleCmd,
        constraints: [{ type: 'direct', cluster: stack.cluster.name, node: a.nodeName }],
      }),
      microservice('server', {
        memory: 32,
        vcpus: 1,
        cmd: httpdCmd,
        constraints: [{ type: 'direct', cluster: stack.cluster2.name, node: b.nodeName }],
      }),
    ]);
    const clientId = app.services['client'] as string;
    serverId = app.services['server'] as string;
    await stack.addInstance(clientId);
    await stack.addInstance(serverId);
    const client = await stack.instanceIn(clientId, 0, ['RUNNING'], 60_000);
    const server = await stack.instanceIn(serverId, 0, ['RUNNING'], 60_000);
    expect(client['worker_id']).toBe(a.id);
    expect(server['worker_id']).toBe(b.id);
    const service = await stack.service(serverId);
    rr = String(service['RR_ip']);
    const instanceIp = String(server['instance_ip']);
    const [container] = await containersOf(a.id, { service_id: clientId });
    clientContainer = container?.Id ?? '';
    expect(clientContainer).not.toBe('');

    // Cluster 1 knows nothing of the server: the first packet misses and starts the query.
    expect(await dnatFor(a.host.netns, rr)).toEqual([]);
    const viaRr = await firstAnswer(clientContainer, rr);
    console.log(`first answer through rr_ip ${rr} across clusters: ${viaRr.ms} ms (${viaRr.body})`);
    expect(viaRr.body).toBe('instance-0');
    const viaInstanceIp = await firstAnswer(clientContainer, instanceIp);
    console.log(`first answer through InstanceIP ${instanceIp}: ${viaInstanceIp.ms} ms`);
    expect(viaInstanceIp.body).toBe('instance-0');

    // A's query went to its own cluster; the tunnel to B came from the root's remote peers.
    const queries = stack.messages.filter(
      (m) => m.topic === `nodes/${a.id}/net/tablequery/request`,
    );
    expect(queries.map((m) => JSON.parse(m.text) as Json)).toContainEqual({ sip: rr });
    const wg = await sh([
      'ip',
      'netns',
      'exec',
      a.host.netns,
      'wg',
      'show',
      a.host.tunnelInterface,
    ]);
    expect(wg.stdout).toContain(`endpoint: ${b.host.underlayIp}:`);
    expect(wg.stdout).toMatch(/latest handshake/);
  }, 120_000);

  it("a new instance on cluster 2 joins the client's table through the root's push", async () => {
    const a = stack.worker('a');
    const b = stack.worker('b');
    expect(rr).not.toBe('');
    const n = await stack.addInstance(serverId);
    // Time from B's RUNNING report to A's DNAT rule spreading over both instances.
    const rule = await eventually(
      async () => {
        const [line] = await dnatFor(a.host.netns, rr);
        return line?.includes('mod 2') ? { line, at: Date.now() } : undefined;
      },
      `A's rule for ${rr} over two instances`,
      30_000,
      25,
    );
    const running = stack.messages.find((m) => {
      if (m.topic !== `nodes/${b.id}/job`) return false;
      const body = JSON.parse(m.text) as Json;
      return body['instance'] === n && body['status'] === 'RUNNING';
    });
    expect(running).toBeDefined();
    console.log(
      `instance ${n} RUNNING on B (cluster 2) → A's DNAT over both: ${rule.at - (running?.at ?? 0)} ms`,
    );
    const update = stack.messages.find(
      (m) => m.topic === `nodes/${a.id}/net/tablequery/request` && m.at >= (running?.at ?? 0),
    );
    expect(update).toBeDefined(); // the re-query after updates_available
    const answers = await getFrom(clientContainer, rr, 20);
    expect(new Set(answers)).toEqual(new Set(['instance-0', `instance-${n}`]));
  }, 90_000);

  it('with the root down, traffic across clusters keeps flowing and cluster 1 answers re-queries from its cache', async () => {
    const a = stack.worker('a');
    const service = await stack.service(serverId);
    const job = String(service['job_name']);
    await stack.root.stop();
    const down = Date.now();
    const answers = await getFrom(clientContainer, rr, 20);
    expect(new Set(answers)).toEqual(new Set(['instance-0', 'instance-1']));
    // Ask A to query again (what an update signal does): its cluster has no root to ask.
    await stack.observer?.publishAsync(
      `jobs/${job}/updates_available`,
      JSON.stringify({ type: 'DEPLOYMENT' }),
      { qos: 1 },
    );
    const result = await eventually(
      async () =>
        stack.messages
          .filter((m) => m.topic === `nodes/${a.id}/net/tablequery/result` && m.at >= down)
          .map((m) => JSON.parse(m.text) as Json)
          .find((r) => r['app_name'] === job),
      'a table query answer while the root is down',
      10_000,
    );
    expect(result['found']).toBe(true);
    expect((result['instance_list'] as Json[]).length).toBe(2);
    console.log(
      `root down ${Date.now() - down} ms: 20/20 requests answered, re-query answered from the cache`,
    );
    await stack.root.launch();
    await eventually(
      async () => ((await stack.root.clusters(true)).length === 2 ? true : undefined),
      'both clusters back at the root',
    );
    expect(new Set(await getFrom(clientContainer, rr, 10))).toEqual(
      new Set(['instance-0', 'instance-1']),
    );
  }, 90_000);

  it('canopy-node stop --purge on A leaves its namespace as it was before the agent started', async () => {
    const a = stack.worker('a');
    const out = await sh([
      'ip',
      'netns',
      'exec',
      a.host.netns,
      process.execPath,
      dist('node_engine'),
      'stop',
      '--purge',
      '--config',
      a.configPath,
    ]);
    console.log(out.stdout.trim());
    expect(out.stdout).toContain('removed the worker network');
    // The kernel configures ul0's IPv6 link-local address on its own schedule (maybe after the
    // "before" snapshot): not Canopy's, so left out of the comparison.
    const withoutLinkLocal = (snapshot: Awaited<ReturnType<typeof workerNsSnapshot>> | undefined) =>
      snapshot && {
        ...snapshot,
        routes: snapshot.routes.filter((r) => !r.includes('fe80:')),
        addrs: snapshot.addrs.filter((r) => !r.includes('fe80:')),
      };
    const after = await workerNsSnapshot(a.host.netns);
    expect(withoutLinkLocal(after)).toEqual(withoutLinkLocal(stack.nsBefore.get('a')));
    expect(await containersOf(a.id)).toEqual([]);
    const processes = (await stack.underlay.processes()).filter((p) => p.netns === a.host.netns);
    expect(processes).toEqual([]);
    expect(existsSync(`/var/run/wireguard/${a.host.tunnelInterface}.sock`)).toBe(false);
    const iptables = await sh(['ip', 'netns', 'exec', a.host.netns, 'iptables-save'], false);
    expect(iptables.stdout.toLowerCase()).not.toContain('canopy');
  }, 60_000);
});
