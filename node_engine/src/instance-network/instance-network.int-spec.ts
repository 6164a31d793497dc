/**
 * The worker data plane wired to the real Docker engine: containers created with network mode
 * `none` by the Docker driver, attached by InstanceNetworkService through NetworkedRuntimeDriver
 * on the host's namespace (root; iproute2, nftables, wireguard-tools/wireguard-go, iptables).
 * Every name (bridge, tunnel, link prefix/alias, nft table, subnet, ports) is unique per run, and
 * afterAll removes the containers (by label) and everything of the net manager, also on failure.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import pino from 'pino';
import { loadLocalServices, uniqueName, execIn as execInContainer } from '@canopy/testing';
import {
  CommandRunner,
  generateWireguardKeyPair,
  NetManager,
  type NetManagerConfigInput,
} from '../network';
import { CanopyLabel } from '../runtime/container-labels';
import { DockerRuntimeDriver } from '../runtime/docker-runtime.driver';
import { GATE_MOUNT, isStaticBinary } from '../runtime/network-gate';
import { StateFileName, StateStore } from '../state/state-store';
import { factory } from '../testing/factories';
import { InstanceNetworkService, type ServiceNetReport } from './instance-network.service';
import { NetworkedRuntimeDriver } from './networked-runtime.driver';

jest.setTimeout(60_000);

const services = loadLocalServices();
const docker = new Docker({ socketPath: services.dockerSocket });
const nodeId = uniqueName('ne-net');
const id = randomBytes(3).toString('hex'); // 6 hex chars
const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
const stateDir = join(mkdtempSync(join(tmpdir(), 'canopy-net-')), 'state');
const subnet = `10.251.${randomInt(0, 255)}.0/26`;
const hostPort = randomInt(20_000, 30_000);
const jobName = `app.${id}.web.ns`;
const netConfig: NetManagerConfigInput = {
  bridge: `cnb${id}`,
  linkPrefix: `t${id.slice(0, 3)}`,
  linkAlias: `canopy-int-${id}`,
  nftTable: `canopy_int_${id}`,
  ownedNetnsPrefix: `cnt${id}-`,
  routeProtocol: 200 + randomInt(0, 30),
  tunnel: {
    backend: 'wireguard',
    wireguardInterface: `cnw${id}`,
    vxlanInterface: `cnx${id}`,
    port: randomInt(40_000, 50_000),
  },
};

/** A non-loopback IPv4 of this host: the "underlay" port mappings listen on. */
function hostAddress(): string {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  throw new Error('no non-loopback IPv4 address on this host');
}
const underlay = hostAddress();
/** busybox-static, installed by provisioning (network.gate_binary's default). */
const GATE_BINARY = '/bin/busybox';

const web = (n: number, extra: Parameters<typeof factory.desired>[0] = {}) =>
  factory.desired({
    job_name: jobName,
    instance_number: n,
    image: services.testImage,
    cmd: [
      'sh',
      '-c',
      `mkdir -p /www && echo web${n} > /www/index.html && exec httpd -f -p 80 -h /www`,
    ],
    environment: [],
    memory: 32,
    ...extra,
  });
const web1 = web(1, { port: `${hostPort}:80`, instance_ip: `10.30.${randomInt(1, 250)}.11` });
const web2 = web(2, { instance_ip: `10.30.${randomInt(1, 250)}.12` });
/** The client of the service-table test (an httpd too, but only its shell is used). */
const client = web(3);
const serviceNet = `10.30.${randomInt(1, 250)}`;
const rrIp = `${serviceNet}.30`;
const closestIp = `${serviceNet}.31`;
/** Every net/service/deployed|undeployed report any agent side made, in order. */
const reports: ServiceNetReport[] = [];

interface Side {
  runner: CommandRunner;
  service: InstanceNetworkService;
  driver: DockerRuntimeDriver;
  runtime: NetworkedRuntimeDriver;
}

/** One "agent process": driver, net manager and service over the shared state dir. */
function agentSide(): Side {
  const runner = new CommandRunner();
  const driver = new DockerRuntimeDriver({
    socketPath: services.dockerSocket,
    nodeId,
    logger,
    stopTimeoutSeconds: 1,
    networking: 'canopy',
    networkGate: GATE_BINARY,
  });
  const service = new InstanceNetworkService({
    net: new NetManager({ runner, config: netConfig, logger }),
    store: new StateStore(stateDir, logger),
    runner,
    backend: 'wireguard',
    logger,
  });
  service.setReportSink((report) => reports.push(report));
  return { runner, service, driver, runtime: new NetworkedRuntimeDriver(driver, service) };
}

const execIn = (containerId: string, cmd: string[]): Promise<string> =>
  execInContainer(docker, containerId, cmd);

/**
 * HTTP GET from inside a container with busybox `nc` (this image's `wget` crashes without a
 * resolv.conf); returns the body. Retried briefly (a server may still be starting).
 */
async function fetchFrom(containerId: string, host: string): Promise<string> {
  let last = '';
  for (let i = 0; i < 20; i++) {
    const out = await execIn(containerId, [
      'sh',
      '-c',
      `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} 80`,
    ]);
    last = out.split(/\r?\n/).pop() ?? '';
    if (/^web\d+$/.test(last)) return last;
    await new Promise((r) => setTimeout(r, 250));
  }
  return last;
}

function httpGet(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', timeout: 2000 }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body.trim()));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve(`error: ${e.message}`));
    req.end();
  });
}

async function linkExists(runner: CommandRunner, name: string): Promise<boolean> {
  return (await runner.run(['ip', 'link', 'show', 'dev', name], { check: false })).code === 0;
}

async function inspect(containerId: string) {
  return docker.getContainer(containerId).inspect();
}

describe(`${InstanceNetworkService.name} (Docker + kernel)`, () => {
  let side: Side;
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    await new StateStore(stateDir, logger).init();
    side = agentSide();
    await side.service.start({ nodeId, subnet, underlayAddress: underlay, source: side.driver });
    expect(side.service.isReady).toBe(true);
  });

  afterAll(async () => {
    const leftovers = await docker.listContainers({
      all: true,
      filters: { label: [`${CanopyLabel.NODE_ID}=${nodeId}`] },
    });
    for (const c of leftovers) await docker.getContainer(c.Id).remove({ force: true });
    await new NetManager({ runner: new CommandRunner(), config: netConfig }).cleanup();
    side?.driver.close();
    await rm(join(stateDir, '..'), { recursive: true, force: true });
  });

  it('creates containers without Docker networking and attaches them', async () => {
    for (const d of [web1, web2]) {
      const containerId = await side.runtime.create(d);
      await side.runtime.start(containerId);
      ids[d.key] = containerId;
      const info = await inspect(containerId);
      expect(info.HostConfig.NetworkMode).toBe('none');
      expect(info.HostConfig.PortBindings ?? {}).toEqual({});
      expect(info.Config.Labels?.[CanopyLabel.NETWORK]).toBe('canopy');
      expect(await linkExists(side.runner, side.service.net.hostLinkName(d.key))).toBe(true);
    }
    const ip1 = side.service.namespaceIp(web1.key);
    const ip2 = side.service.namespaceIp(web2.key);
    const gateway = subnet.replace(/0\/26$/, '1');
    for (const ip of [ip1, ip2]) {
      expect(ip).toBeDefined();
      expect(ip).not.toBe(gateway);
      expect(ip?.startsWith(subnet.slice(0, subnet.lastIndexOf('.')))).toBe(true);
    }
    expect(ip1).not.toBe(ip2);
    const mode = statSync(join(stateDir, StateFileName.NETWORK)).mode & 0o777;
    expect(mode).toBe(0o600);
  });

  it('one instance reaches the other by namespace IP and by InstanceIP', async () => {
    const from = ids[web1.key] as string;
    expect(await fetchFrom(from, `${side.service.namespaceIp(web2.key)}`)).toBe('web2');
    expect(await fetchFrom(from, `${web2.spec.instance_ip}`)).toBe('web2');
    // and back (replies and the other direction both pass the worker)
    expect(await fetchFrom(ids[web2.key] as string, `${web1.spec.instance_ip}`)).toBe('web1');
  });

  it("a container's command starts only once its namespace is attached (network gate)", async () => {
    expect(await isStaticBinary(GATE_BINARY)).toBe(true);
    expect(await isStaticBinary('/usr/bin/env')).toBe(false); // dynamically linked
    // Its very first action looks for the default route and connects to web1: without the gate
    // it would run before the attach (Docker creates the namespace at start) and find neither.
    const early = web(4, {
      cmd: [
        'sh',
        '-c',
        `awk '$2 == "00000000" { f = 1 } END { print f ? "route-ready" : "route-missing" }' /proc/net/route; ` +
          `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 1 ${web1.spec.instance_ip} 80 | tail -n 1; ` +
          'trap "exit 0" TERM; while true; do sleep 1; done',
      ],
    });
    const containerId = await side.runtime.create(early);
    ids[early.key] = containerId;
    await side.runtime.start(containerId);
    const info = await inspect(containerId);
    expect(info.Config.Entrypoint?.[0]).toBe(GATE_MOUNT);
    expect(info.Config.Cmd).toEqual(early.spec.cmd);
    let logs = '';
    for (let i = 0; i < 50 && logs.split('\n').filter(Boolean).length < 2; i++) {
      await new Promise((r) => setTimeout(r, 100));
      logs = await side.driver.logs(containerId);
    }
    expect(logs.split('\n').slice(0, 2)).toEqual(['route-ready', 'web1']);
    // The program is PID 1 (the gate exec'd it), so it gets the stop signal itself.
    expect((await execIn(containerId, ['cat', '/proc/1/cmdline'])).split('\0')[0]).toBe('sh');
    await side.runtime.remove(containerId);
    delete ids[early.key];
  });

  it('reports attached namespaces; a net/services table becomes RR, closest and InstanceIP DNAT', async () => {
    const ns1 = side.service.namespaceIp(web1.key) as string;
    const ns2 = side.service.namespaceIp(web2.key) as string;
    expect(reports).toEqual(
      expect.arrayContaining(
        [
          [web1, ns1],
          [web2, ns2],
        ].map(([d, nsip]) => ({
          kind: 'deployed',
          body: {
            appname: jobName,
            instance_number: (d as typeof web1).spec.instance_number,
            nsip,
            host_ip: underlay,
            host_port: String(netConfig.tunnel?.port),
          },
        })),
      ),
    );
    const clientId = await side.runtime.create(client);
    await side.runtime.start(clientId);
    ids[client.key] = clientId;
    const table = (revision: number, instances: object[]) =>
      JSON.stringify({
        revision,
        services: [
          {
            job_name: jobName,
            service_ips: [
              { IpType: 'RR', Address: rrIp },
              { IpType: 'closest', Address: closestIp },
            ],
            instances,
          },
        ],
      });
    // web2 is presented as running on another worker: closest must pick the local web1.
    const both = [
      {
        instance_number: 1,
        instance_ip: web1.spec.instance_ip,
        namespace_ip: ns1,
        worker_id: nodeId,
      },
      { instance_number: 2, namespace_ip: ns2, worker_id: 'some-other-worker' },
    ];
    await side.service.onServices(table(10, both));
    const answers = new Set<string>();
    for (let i = 0; i < 8; i++) answers.add(await fetchFrom(clientId, rrIp));
    expect([...answers].sort()).toEqual(['web1', 'web2']);
    for (let i = 0; i < 3; i++) expect(await fetchFrom(clientId, closestIp)).toBe('web1');
    expect(await fetchFrom(clientId, `${web1.spec.instance_ip}`)).toBe('web1');

    // A stale table is ignored; a newer one without web1 moves RR and closest to web2.
    await side.service.onServices(table(9, []));
    expect(await fetchFrom(clientId, rrIp)).toMatch(/^web[12]$/);
    await side.service.onServices(table(11, [both[1] as object]));
    for (let i = 0; i < 4; i++) expect(await fetchFrom(clientId, rrIp)).toBe('web2');
    expect(await fetchFrom(clientId, closestIp)).toBe('web2');
    expect(side.service.net.renderRuleset()).toContain(rrIp);

    // The client goes away: its namespace is reported undeployed.
    await side.runtime.stop(clientId, 1);
    await side.runtime.remove(clientId);
    expect(reports.at(-1)).toEqual({
      kind: 'undeployed',
      body: { appname: jobName, instance_number: 3 },
    });
    await side.service.onServices(table(12, []));
    expect(side.service.net.renderRuleset()).not.toContain(rrIp);
  });

  it("a port mapping answers on the worker's address", async () => {
    expect(await httpGet(underlay, hostPort)).toBe('web1');
  });

  it('a container restarted by the reconcile loop gets its new namespace attached', async () => {
    const id2 = ids[web2.key] as string;
    const before = (await inspect(id2)).State.Pid;
    await side.runtime.stop(id2, 1);
    await side.runtime.start(id2); // the loop's restart step
    expect((await inspect(id2)).State.Pid).not.toBe(before);
    expect(await fetchFrom(ids[web1.key] as string, `${web2.spec.instance_ip}`)).toBe('web2');
  });

  it('a container restarted behind the agent is re-attached by the next pass (list)', async () => {
    const id2 = ids[web2.key] as string;
    await docker.getContainer(id2).restart({ t: 1 });
    await side.runtime.list();
    expect(await fetchFrom(ids[web1.key] as string, `${web2.spec.instance_ip}`)).toBe('web2');
  });

  it('an agent restart re-attaches without restarting the containers', async () => {
    const before = await Promise.all([web1, web2].map((d) => inspect(ids[d.key] as string)));
    const ips = [web1, web2].map((d) => side.service.namespaceIp(d.key));
    side.driver.close();
    side = agentSide(); // new process: nothing in memory, network.json on disk
    await side.service.start({ nodeId, subnet, underlayAddress: underlay, source: side.driver });
    expect(side.service.isReady).toBe(true);
    const after = await Promise.all([web1, web2].map((d) => inspect(ids[d.key] as string)));
    expect(after.map((i) => [i.Id, i.State.StartedAt])).toEqual(
      before.map((i) => [i.Id, i.State.StartedAt]),
    );
    expect([web1, web2].map((d) => side.service.namespaceIp(d.key))).toEqual(ips);
    expect(await fetchFrom(ids[web1.key] as string, `${ips[1]}`)).toBe('web2');
    expect(await fetchFrom(ids[web1.key] as string, `${web2.spec.instance_ip}`)).toBe('web2');
    expect(await httpGet(underlay, hostPort)).toBe('web1');
  });

  it('removing a container detaches it (no veth left, address freed)', async () => {
    const link = side.service.net.hostLinkName(web2.key);
    await side.runtime.stop(ids[web2.key] as string, 1);
    await side.runtime.remove(ids[web2.key] as string);
    expect(await linkExists(side.runner, link)).toBe(false);
    expect(side.service.namespaceIp(web2.key)).toBeUndefined();
    expect(side.service.net.desired?.instances.map((i) => i.key)).toEqual([web1.key]);
    // web1 is untouched
    expect(await httpGet(underlay, hostPort)).toBe('web1');
  });

  it('applies net/peers lists in revision order and drops malformed ones', async () => {
    const wg = netConfig.tunnel?.wireguardInterface as string;
    const peerKey = (await generateWireguardKeyPair(side.runner)).publicKey;
    const peerSubnet = `10.252.${randomInt(0, 255)}.64/26`;
    const peers = async () =>
      (await side.runner.run(['wg', 'show', wg, 'peers'])).stdout.split('\n').filter(Boolean);
    const list = (revision: number, withPeer: boolean) =>
      JSON.stringify({
        revision,
        peers: [
          ...(withPeer
            ? [
                {
                  id: 'w-other',
                  subnet: peerSubnet,
                  endpoint: '192.0.2.10',
                  port: 50103,
                  public_key: peerKey,
                },
              ]
            : []),
          // this worker itself is ignored
          { id: nodeId, subnet, endpoint: underlay, port: 50103 },
        ],
      });
    await side.service.onPeers(list(5, true));
    expect(await peers()).toEqual([peerKey]);
    const routes = await side.runner.run([
      'ip',
      'route',
      'show',
      'proto',
      String(netConfig.routeProtocol),
    ]);
    expect(routes.stdout).toContain(`${peerSubnet} dev ${wg}`);
    await side.service.onPeers(list(4, false)); // stale
    await side.service.onPeers('{"revision":9,"peers":[{"id":"x"}]}'); // malformed
    expect(await peers()).toEqual([peerKey]);
    await side.service.onPeers(list(6, false));
    expect(await peers()).toEqual([]);
    const stored = await new StateStore(stateDir).readNetwork();
    expect(stored.state === 'ok' && stored.value.peersRevision).toBe(6);
  });

  it('cleanup removes the data plane', async () => {
    await side.runtime.remove(ids[web1.key] as string);
    await side.service.cleanup();
    const inventory = await side.service.net.inventory();
    expect(inventory.links).toEqual([]);
    expect(inventory.nftTable).toBe(false);
    expect(inventory.wireguardGoPids).toEqual([]);
    expect(await linkExists(side.runner, netConfig.bridge as string)).toBe(false);
  });
});
