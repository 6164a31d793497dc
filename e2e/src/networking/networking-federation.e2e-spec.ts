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
 * run on worker B (cluster 2). The client's deploy names the other services of its application
 * (the root adds them), so A asks cluster 1 for the server's table by name as the client arrives;
 * cluster 1 asks the root (registering interest), and the rule is in A's table before the
 * client's first packet. A service of another application is found the Oakestra way: A's first
 * packet misses its table, A queries by address, the root answers. The root has handed each
 * cluster the other's workers as tunnel peers. A second instance on B reaches A's table through
 * the root's push, `jobs/<job>/updates_available` and A's re-query. Finally `canopy-node stop
 * --purge` on A leaves its namespace exactly as it was before the agent started.
 */
const WORKER = { vcpus: 2, memory: 512 };

const httpdCmd = [
  'sh',
  '-c',
  'mkdir -p /www && hostname > /www/index.html && ' +
    'httpd -p 80 -h /www && trap "exit 0" TERM && while true; do sleep 1; done',
];
const idleCmd = ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'];

/** A small service placed by a direct constraint on `node` of `cluster`. */
const pinnedTo = (name: string, cmd: string[], cluster: string, node: string) =>
  microservice(name, {
    memory: 32,
    vcpus: 1,
    cmd,
    constraints: [{ type: 'direct', cluster, node }],
  });

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
      pinnedTo('client', idleCmd, stack.cluster.name, a.nodeName),
      pinnedTo('server', httpdCmd, stack.cluster2.name, b.nodeName),
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

    // The client's deploy named the server as a service of its application: A asked for its
    // table by name as the client arrived, so the rule is there before the first packet.
    const serverJob = app.jobs['server'] as string;
    const prefetched = await eventually(
      async () => ((await dnatFor(a.host.netns, rr)).length > 0 ? true : undefined),
      `A's rule for ${rr} (prefetched)`,
      10_000,
      50,
    );
    expect(prefetched).toBe(true);
    const sentBefore = stack.messages.length;
    const viaRr = await firstAnswer(clientContainer, rr);
    console.log(
      `first answer through rr_ip ${rr} across clusters (prefetched): ${viaRr.ms} ms (${viaRr.body})`,
    );
    expect(viaRr.body).toBe('instance-0');
    if (viaRr.ms > 1_000) {
      // Seen in 2 of ~17 runs (3.4-3.9 s) without a table miss: keep what the tunnel looked like.
      const dump = async (w: typeof a) =>
        (
          await sh(
            ['ip', 'netns', 'exec', w.host.netns, 'wg', 'show', w.host.tunnelInterface, 'dump'],
            false,
          )
        ).stdout;
      console.log(
        `slow first answer; A's rules for ${rr}: ${JSON.stringify(await dnatFor(a.host.netns, rr))}\n` +
          `A wg: ${await dump(a)}\nB wg: ${await dump(b)}`,
      );
    }
    const viaInstanceIp = await firstAnswer(clientContainer, instanceIp);
    console.log(`first answer through InstanceIP ${instanceIp}: ${viaInstanceIp.ms} ms`);
    expect(viaInstanceIp.body).toBe('instance-0');
    const aQueries = (from = 0) =>
      stack.messages
        .slice(from)
        .filter((m) => m.topic === `nodes/${a.id}/net/tablequery/request`)
        .map((m) => JSON.parse(m.text) as Json);
    expect(aQueries()).toContainEqual({ sname: serverJob });
    // Both first packets found their rules: no table miss, no query by address.
    expect(aQueries(sentBefore).filter((q) => 'sip' in q)).toEqual([]);

    // The tunnel to B came from the root's remote peers.
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

  it("a service of another application is found on the first packet's miss (table query through the root)", async () => {
    const a = stack.worker('a');
    const b = stack.worker('b');
    const other = await stack.createApplication(appName('fedx'), [
      pinnedTo('lone', httpdCmd, stack.cluster2.name, b.nodeName),
    ]);
    const loneId = other.services['lone'] as string;
    await stack.addInstance(loneId);
    await stack.instanceIn(loneId, 0, ['RUNNING'], 60_000);
    const loneRr = String((await stack.service(loneId))['RR_ip']);
    // Not in the client's application: cluster 1 and A know nothing of it.
    expect(await dnatFor(a.host.netns, loneRr)).toEqual([]);
    const viaMiss = await firstAnswer(clientContainer, loneRr);
    console.log(`first answer through rr_ip ${loneRr} after a table miss: ${viaMiss.ms} ms`);
    expect(viaMiss.body).toBe('instance-0');
    const queries = stack.messages
      .filter((m) => m.topic === `nodes/${a.id}/net/tablequery/request`)
      .map((m) => JSON.parse(m.text) as Json);
    expect(queries).toContainEqual({ sip: loneRr });
    // B's capacity goes back for the next test.
    await stack.deleteApplication(other.appId);
    await stack.containersGone([loneId]);
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
