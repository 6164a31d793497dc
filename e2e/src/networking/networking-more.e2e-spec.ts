import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, type Json } from '../clusters/cluster-stack';
import { appName, containersOf, microservice } from '../workers/worker-stack';
import { Capture, firstAnswer, getFrom, namedNetns, workerNsSnapshot } from './net-client';
import { NetStack, stopAndListLeftovers } from './net-stack';
import { sh } from './netns-underlay';

/**
 * Issue 6, must-shows 2–5 on the same two-namespace underlay as networking-rr: the closest
 * ServiceIP picks the local instance; the tunnel carries no plaintext; a port mapping answers on
 * the worker's underlay address; deleting the app leaves nothing of its instances in the worker
 * namespaces.
 */
const WORKER = { vcpus: 2, memory: 512 };
const TUNNEL_PORT = 50103;
const MAPPED_PORT = 18081;
/**
 * The payload marker, computed inside the container (rot13 of what the command line carries), so
 * the deploy messages crossing the underlay (MQTT to the cluster) never contain it.
 */
const MARKER = 'canopy-secret-payload';
const rot13 = (s: string) =>
  s.replace(/[a-z]/g, (c) => String.fromCharCode(((c.charCodeAt(0) - 97 + 13) % 26) + 97));

/**
 * busybox httpd (daemonised; the shell traps TERM so a delete is quick): `/` answers the hostname
 * (`instance-<n>`), `/secret.txt` 100 marker lines.
 */
const httpdCmd = [
  'sh',
  '-c',
  'mkdir -p /www && hostname > /www/index.html && ' +
    `m=$(echo ${rot13(MARKER)} | tr a-z n-za-m) && i=0 && ` +
    'while [ $i -lt 100 ]; do echo "$m-$i"; i=$((i+1)); done > /www/secret.txt && ' +
    'httpd -p 80 -h /www && trap "exit 0" TERM && while true; do sleep 1; done',
];

describe('networking: closest ServiceIP, encrypted tunnel, port mapping, clean undeploy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-net2-e2e-'));
  const stack = new NetStack(dir, [WORKER, WORKER]);

  beforeAll(async () => {
    await stack.start();
  }, 120_000);

  afterAll(async () => {
    const { left, containers } = await stopAndListLeftovers(stack, dir);
    expect(left).toEqual([]);
    expect(containers).toEqual([]);
  }, 90_000);

  it('closest → local instance; tunnel is encrypted; port mapping on the underlay; undeploy leaves nothing', async () => {
    const a = stack.worker('a');
    const b = stack.worker('b');
    const ns = { a: a.host.netns, b: b.host.netns };
    const direct = (...nodes: string[]) => [{ type: 'direct', node: nodes.join(';') }];
    const before = {
      a: await workerNsSnapshot(ns.a),
      b: await workerNsSnapshot(ns.b),
      netns: await namedNetns(),
    };

    const app = await stack.createApplication(appName('net2'), [
      microservice('client', {
        memory: 32,
        vcpus: 1,
        cmd: ['sh', '-c', 'trap "exit 0" TERM; while true; do sleep 1; done'],
        constraints: direct(a.nodeName),
      }),
      microservice('mapped', {
        memory: 32,
        vcpus: 1,
        cmd: httpdCmd,
        port: `${MAPPED_PORT}:80/tcp`,
        constraints: direct(b.nodeName),
      }),
      microservice('web', {
        memory: 32,
        vcpus: 1,
        cmd: httpdCmd,
        constraints: direct(a.nodeName, b.nodeName),
      }),
    ]);
    const clientId = app.services['client'] as string;
    const mappedId = app.services['mapped'] as string;
    const webId = app.services['web'] as string;

    // client on A (1 vCPU) and mapped on B (1 vCPU) leave one vCPU on each: the two web
    // instances must go one to A, one to B. One at a time, each RUNNING and seen by the root.
    const freeCores = (n: number) =>
      eventually(async () => {
        const [c] = await stack.root.clusters(true);
        return c && c['total_cpu_cores'] === n ? true : undefined;
      }, `root sees ${n} free vCPUs in the cluster`);
    await stack.addInstance(clientId);
    const client = await stack.instanceIn(clientId, 0, ['RUNNING'], 60_000);
    await freeCores(3);
    await stack.addInstance(mappedId);
    const mapped = await stack.instanceIn(mappedId, 0, ['RUNNING'], 60_000);
    await freeCores(2);
    const web: Json[] = [];
    for (let i = 0; i < 2; i++) {
      const n = await stack.addInstance(webId);
      web.push(await stack.instanceIn(webId, n, ['RUNNING'], 60_000));
      if (i === 0) await freeCores(1);
    }
    expect(client['worker_id']).toBe(a.id);
    expect(mapped['worker_id']).toBe(b.id);
    const webOnA = web.find((i) => i['worker_id'] === a.id);
    const webOnB = web.find((i) => i['worker_id'] === b.id);
    console.log(
      `web placement: ${JSON.stringify(web.map((i) => [i['instance_number'], i['worker_id'] === a.id ? 'A' : 'B', i['instance_ip']]))}`,
    );
    expect(webOnA).toBeDefined();
    expect(webOnB).toBeDefined();

    const [clientContainer] = await containersOf(a.id, { service_id: clientId }, true);
    if (!clientContainer) throw new Error('no running client container on worker A');
    const cid = clientContainer.Id;

    // --- closest: every request from A through the closest ServiceIP reaches A's instance.
    const webDoc = await stack.service(webId);
    const ipList = (webDoc['service_ip_list'] ?? []) as { IpType: string; Address: string }[];
    const closestIp = ipList.find((e) => e.IpType === 'closest')?.Address as string;
    console.log(`web service_ip_list ${JSON.stringify(ipList)}`);
    expect(closestIp).toMatch(/^10\.30\.\d+\.\d+$/);
    const wantA = `instance-${String(webOnA?.['instance_number'])}`;
    const wantB = `instance-${String(webOnB?.['instance_number'])}`;
    // Both instances are in A's table (each answers on its InstanceIP) before counting.
    expect((await firstAnswer(cid, webOnA?.['instance_ip'] as string)).body).toBe(wantA);
    expect((await firstAnswer(cid, webOnB?.['instance_ip'] as string)).body).toBe(wantB);
    expect((await firstAnswer(cid, closestIp)).body).toMatch(/^instance-\d+$/);
    const closestBodies = await getFrom(cid, closestIp, 20);
    const counts: Record<string, number> = {};
    for (const body of closestBodies)
      counts[body || '(no answer)'] = (counts[body || '(no answer)'] ?? 0) + 1;
    console.log(
      `20 requests from A through closest ${closestIp}: ${JSON.stringify(counts)} (A's instance: ${wantA})`,
    );
    expect(counts).toEqual({ [wantA]: 20 });

    // --- encryption: capture every port of the underlay bridge namespace while A fetches the marker from B's instance.
    const mappedIp = mapped['instance_ip'] as string;
    expect((await firstAnswer(cid, mappedIp)).body).toMatch(/^instance-\d+$/);
    const tunnelCap = await Capture.start(stack.underlay.ulNetns, 'any', join(dir, 'tunnel.pcap'));
    const secret = await getFrom(cid, mappedIp, 3, '/secret.txt');
    const tunnelBytes = await tunnelCap.stop();
    const tunnelUdp = await tunnelCap.count(`udp port ${TUNNEL_PORT}`);
    console.log(
      `tunnel capture: ${tunnelBytes.length} bytes, ${tunnelUdp} UDP packets on port ${TUNNEL_PORT}, fetched ${JSON.stringify(secret)}, marker in capture: ${tunnelBytes.includes(MARKER)}`,
    );
    expect(secret).toEqual([`${MARKER}-99`, `${MARKER}-99`, `${MARKER}-99`]);
    expect(tunnelUdp).toBeGreaterThan(0);
    expect(tunnelBytes.includes(MARKER)).toBe(false);

    // --- port mapping: B's underlay address answers on the mapped port, from A's namespace
    // straight over the underlay (the bridge namespace has no address of its own). Captured the
    // same way, this plaintext is visible: the capture above could have seen the marker.
    const url = (path: string) => `http://${b.host.underlayIp}:${MAPPED_PORT}${path}`;
    const curl = (path: string) =>
      sh(['ip', 'netns', 'exec', ns.a, 'curl', '-s', '--max-time', '3', url(path)], false);
    const viaMapping = await eventually(
      async () => {
        const r = await curl('/');
        return /^instance-\d+$/.test(r.stdout.trim()) ? r.stdout.trim() : undefined;
      },
      `${url('/')} answers`,
      20_000,
    ).catch(async (e: Error) => {
      const r = await curl('/');
      const nftB = (await sh(['ip', 'netns', 'exec', ns.b, 'nft', 'list', 'ruleset'], false))
        .stdout;
      const fromB = await sh(
        ['ip', 'netns', 'exec', ns.b, 'curl', '-sS', '--max-time', '3', url('/')],
        false,
      );
      const [mc] = await containersOf(b.id, { service_id: mappedId }, true);
      console.log(
        `port mapping failed: curl from A's namespace ${JSON.stringify(r)}; from B's namespace ${JSON.stringify(fromB)}; mapped container labels ${JSON.stringify(mc?.Labels)}\nnft on B:\n${nftB}\n${stack.tail()}`,
      );
      throw e;
    });
    console.log(`${url('/')} from A's namespace → "${viaMapping}"`);
    expect(viaMapping).toBe(`instance-${String(mapped['instance_number'])}`);
    const plainCap = await Capture.start(stack.underlay.ulNetns, 'any', join(dir, 'plain.pcap'));
    // Three fetches, so one packet the capture misses cannot hide the plaintext.
    const plain = await curl('/secret.txt');
    await curl('/secret.txt');
    await curl('/secret.txt');
    const plainBytes = await plainCap.stop();
    console.log(
      `control capture of ${url('/secret.txt')}: ${plainBytes.length} bytes, marker in capture: ${plainBytes.includes(MARKER)}`,
    );
    expect(plain.stdout.trim().split('\n').pop()).toBe(`${MARKER}-99`);
    expect(plainBytes.includes(MARKER)).toBe(true);

    // --- undeploy: what the instances added to the worker namespaces is gone after the delete.
    const during = {
      a: await workerNsSnapshot(ns.a),
      b: await workerNsSnapshot(ns.b),
      netns: await namedNetns(),
    };
    const added = (now: string[], then: string[]) => now.filter((x) => !then.includes(x));
    const instanceAddrs = [
      client['instance_ip'],
      mappedIp,
      ...web.map((i) => i['instance_ip']),
      closestIp,
      webDoc['RR_ip'],
    ] as string[];
    const addedWhileRunning = {
      a: {
        links: added(during.a.links, before.a.links),
        nft: added(during.a.nft, before.a.nft),
        routes: added(during.a.routes, before.a.routes),
      },
      b: {
        links: added(during.b.links, before.b.links),
        nft: added(during.b.nft, before.b.nft),
        routes: added(during.b.routes, before.b.routes),
      },
      netns: added(during.netns, before.netns).filter((n) => !/^cn[0-9a-f]{4}-/.test(n)),
    };
    // The instances' namespace IPs, as the DNAT rules name them.
    const nsIps = [
      ...new Set(
        [...addedWhileRunning.a.nft, ...addedWhileRunning.b.nft].flatMap((l) =>
          [...l.matchAll(/(10\.18\.\d+\.\d+)(?!\/)/g)].map((m) => m[1] as string),
        ),
      ),
    ];
    console.log(
      `added while the app ran: ${JSON.stringify(addedWhileRunning, null, 1)}; namespace IPs ${JSON.stringify(nsIps)}`,
    );
    expect(nsIps.length).toBeGreaterThanOrEqual(4);
    // Each worker had instance veths and nft rules while running.
    expect(addedWhileRunning.a.links.length).toBeGreaterThanOrEqual(2);
    expect(addedWhileRunning.b.links.length).toBeGreaterThanOrEqual(2);
    expect(addedWhileRunning.b.nft.some((l) => l.includes(String(MAPPED_PORT)))).toBe(true);

    await stack.deleteApplication(app.appId);
    await stack.containersGone([clientId, mappedId, webId]);
    const leftover = async () => {
      const after = {
        a: await workerNsSnapshot(ns.a),
        b: await workerNsSnapshot(ns.b),
        netns: await namedNetns(),
      };
      const left: string[] = [];
      for (const w of ['a', 'b'] as const) {
        // Worker-level state (bridge, peer routes) may legitimately appear meanwhile: what must go
        // is each instance's veth, its nft rules, routes on its veth or to its addresses.
        for (const kind of ['links', 'nft'] as const)
          for (const x of addedWhileRunning[w][kind])
            if (after[w][kind].includes(x)) left.push(`${w} ${kind}: ${x}`);
        for (const line of after[w].routes)
          for (const veth of [...addedWhileRunning.a.links, ...addedWhileRunning.b.links])
            if (line.includes(`dev ${veth} `)) left.push(`${w} route on ${veth}: ${line}`);
        for (const kind of ['nft', 'routes', 'addrs'] as const)
          for (const line of after[w][kind])
            for (const ip of [...instanceAddrs, ...nsIps])
              if (new RegExp(`(^|[^0-9.])${ip.replace(/\./g, '\\.')}([^0-9]|$)`).test(line))
                left.push(`${w} ${kind} mentions ${ip}: ${line}`);
        if (after[w].nft.some((l) => l.includes(String(MAPPED_PORT))))
          left.push(`${w} nft: port ${MAPPED_PORT}`);
      }
      for (const n of addedWhileRunning.netns) if (after.netns.includes(n)) left.push(`netns ${n}`);
      return { after, left };
    };
    let last: Awaited<ReturnType<typeof leftover>> | undefined;
    const started = Date.now();
    await eventually(
      async () => {
        last = await leftover();
        return last.left.length === 0 ? true : undefined;
      },
      'nothing of the instances left in the worker namespaces',
      20_000,
    ).catch((e: Error) => {
      console.log(`left after undeploy: ${JSON.stringify(last, null, 1)}\n${stack.tail()}`);
      throw e;
    });
    console.log(
      `undeploy clean after ${Date.now() - started} ms; links now A ${JSON.stringify(last?.after.a.links)} B ${JSON.stringify(last?.after.b.links)} (before: A ${JSON.stringify(before.a.links)} B ${JSON.stringify(before.b.links)})`,
    );
    for (const w of ['a', 'b'] as const)
      expect(last?.after[w].links.filter((l) => l.startsWith('cnpv'))).toEqual(
        before[w].links.filter((l) => l.startsWith('cnpv')),
      );
  }, 240_000);
});
