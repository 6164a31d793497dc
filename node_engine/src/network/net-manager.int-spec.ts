/**
 * The net manager against the real kernel: two "workers" as network namespaces on an underlay
 * bridge (198.18.0.0/24), each running its own NetManager inside its namespace, with instance
 * namespaces behind each worker's bridge serving HTTP. Needs root, iproute2, nftables,
 * wireguard-tools, wireguard-go (or the kernel module), iptables, tcpdump. Everything is
 * created under a per-run id and removed in afterAll, also after failures.
 */
import { CommandRunner } from './command.runner';
import { DesiredStateError } from './desired-state.validator';
import { NetManager } from './net-manager';
import type { NetManagerConfigInput } from './net-manager.config';
import {
  ServiceMode,
  type InstanceNetwork,
  type ServiceRoute,
  type WorkerNetworkState,
} from './net-desired-state';
import { NetnsLab, pcapPacketCount, type LabWorker } from './testing/netns-lab';
import { generateWireguardKeyPair, type WireguardKeyPair } from './wireguard.backend';

jest.setTimeout(30_000);

const lab = new NetnsLab();
const id = lab.id;
const RR_IP = '10.30.30.30';
const CLOSEST_IP = '10.30.30.31';
const MARKER = `canopy-plaintext-marker-${id}`;

interface Side {
  worker: LabWorker;
  manager: NetManager;
  keys: WireguardKeyPair;
  subnet: string;
  state: WorkerNetworkState;
}
let a: Side;
let b: Side;

function configFor(label: string, backend: 'wireguard' | 'vxlan'): NetManagerConfigInput {
  return {
    ownedNetnsPrefix: `${id}${label}-`,
    tunnel: {
      backend,
      wireguardInterface: `${id}wg${label}`,
      vxlanInterface: `${id}vx${label}`,
      vxlanId: 4242,
    },
  };
}

function instance(
  label: string,
  name: string,
  nsIp: string,
  instanceIp: string,
  ports: InstanceNetwork['ports'] = [],
): InstanceNetwork {
  return {
    key: `app.web#${name}`,
    netns: { name: `${id}${label}-${name}`, owned: true },
    namespaceIp: nsIp,
    instanceIp,
    ports,
  };
}
const nsOf = (i: InstanceNetwork): string => ('name' in i.netns ? i.netns.name : i.netns.path);

// Worker A 10.18.0.0/26: a1 (client; port 8080 → 80), a2. Worker B 10.18.0.64/26: b1, b2.
const a1 = instance('a', 'a1', '10.18.0.2', '10.30.0.11', [
  { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
]);
const a2 = instance('a', 'a2', '10.18.0.3', '10.30.0.12');
const b1 = instance('b', 'b1', '10.18.0.66', '10.30.0.21');
const b2 = instance('b', 'b2', '10.18.0.67', '10.30.0.22');

/** The table a worker's control plane would hand over: rr over a2, b1, b2; closest over a2/b1; remote InstanceIPs. */
function services(rttA2: number, rttB1: number): ServiceRoute[] {
  return [
    {
      address: RR_IP,
      mode: ServiceMode.ROUND_ROBIN,
      name: 'web',
      backends: [a2, b1, b2].map((i) => ({ namespaceIp: i.namespaceIp })),
    },
    {
      address: CLOSEST_IP,
      mode: ServiceMode.CLOSEST,
      name: 'web-closest',
      backends: [
        { namespaceIp: a2.namespaceIp, rttMs: rttA2 },
        { namespaceIp: b1.namespaceIp, rttMs: rttB1 },
      ],
    },
    ...[a1, a2, b1, b2].map((i) => ({
      address: i.instanceIp ?? '',
      mode: ServiceMode.INSTANCE,
      backends: [{ namespaceIp: i.namespaceIp }],
    })),
  ];
}

function stateFor(
  side: 'a' | 'b',
  keys: { a: WireguardKeyPair; b: WireguardKeyPair },
  workers: { a: LabWorker; b: LabWorker },
): WorkerNetworkState {
  const self = side === 'a' ? 'a' : 'b';
  const other = side === 'a' ? 'b' : 'a';
  const subnets = { a: '10.18.0.0/26', b: '10.18.0.64/26' };
  const own = side === 'a' ? [a1, a2] : [b1, b2];
  const ownIps = new Set(own.map((i) => i.instanceIp));
  return {
    subnet: subnets[self],
    underlayAddress: workers[self].underlayIp,
    privateKey: keys[self].privateKey,
    peers: [
      {
        id: `worker-${other}`,
        subnet: subnets[other],
        endpoint: workers[other].underlayIp,
        publicKey: keys[other].publicKey,
      },
    ],
    instances: own,
    // A worker's own instances' InstanceIPs are added by the manager itself.
    services: services(5, 1).filter((s) => !ownIps.has(s.address)),
  };
}

async function links(worker: LabWorker): Promise<string[]> {
  const out = await worker.runner.run(['ip', '-j', 'link', 'show']);
  return (JSON.parse(out.stdout) as { ifname: string }[]).map((l) => l.ifname).sort();
}

async function nftTables(worker: LabWorker): Promise<string[]> {
  const out = await worker.runner.run(['nft', '-j', 'list', 'tables']);
  return (
    JSON.parse(out.stdout) as { nftables: { table?: { family: string; name: string } }[] }
  ).nftables.flatMap((e) => (e.table ? [`${e.table.family} ${e.table.name}`] : []));
}

beforeAll(async () => {
  await lab.setUp();
  const workers = { a: await lab.addWorker('a', 1), b: await lab.addWorker('b', 2) };
  // Worker A is a Docker host: iptables FORWARD policy DROP with a DOCKER-USER chain.
  for (const argv of [
    ['-N', 'DOCKER-USER'],
    ['-A', 'FORWARD', '-j', 'DOCKER-USER'],
    ['-P', 'FORWARD', 'DROP'],
  ]) {
    await lab.run(workers.a.netns, ['iptables', '-w', ...argv]);
  }
  const host = new CommandRunner();
  const keys = { a: await generateWireguardKeyPair(host), b: await generateWireguardKeyPair(host) };
  const make = (label: 'a' | 'b'): Side => ({
    worker: workers[label],
    manager: new NetManager({
      runner: workers[label].runner,
      config: configFor(label, 'wireguard'),
    }),
    keys: keys[label],
    subnet: label === 'a' ? '10.18.0.0/26' : '10.18.0.64/26',
    state: stateFor(label, keys, workers),
  });
  a = make('a');
  b = make('b');
  for (const side of [a, b]) {
    const report = await side.manager.reconcile(side.state);
    expect(report.failures).toEqual([]);
  }
  for (const i of [a1, a2, b1, b2]) await lab.startServer(nsOf(i), i.key.split('#')[1] ?? '');
}, 60_000);

afterAll(async () => {
  for (const side of [a, b]) await side?.manager.cleanup().catch(() => undefined);
  await lab.destroy();
}, 60_000);

describe('worker data plane over WireGuard', () => {
  it('connects an instance on A to one on B by namespace IP and by InstanceIP, both ways', async () => {
    expect(a.manager.wireguardImplementation).toMatch(/kernel|userspace/);
    expect(await lab.fetch(nsOf(a1), `http://${b1.namespaceIp}/`)).toMatchObject({
      counts: { b1: 1 },
      errors: 0,
    });
    expect(await lab.fetch(nsOf(a1), `http://${b1.instanceIp}/`)).toMatchObject({
      counts: { b1: 1 },
      errors: 0,
    });
    expect(await lab.fetch(nsOf(b2), `http://${a1.instanceIp}/`)).toMatchObject({
      counts: { a1: 1 },
      errors: 0,
    });
    // a neighbour's InstanceIP on the same worker goes through the bridge and back
    expect(await lab.fetch(nsOf(a1), `http://${a2.instanceIp}/`)).toMatchObject({
      counts: { a2: 1 },
      errors: 0,
    });
    const handshakes = await a.worker.runner.run(['wg', 'show', `${id}wga`, 'latest-handshakes']);
    expect(handshakes.stdout).toContain(b.keys.publicKey);
    expect(Number(handshakes.stdout.trim().split(/\s+/)[1])).toBeGreaterThan(0);
  });

  it('spreads 100 requests to the ServiceIP round-robin over all 3 instances on A and B', async () => {
    const result = await lab.fetch(nsOf(a1), `http://${RR_IP}/`, 100);
    expect(result.errors).toBe(0);
    expect(Object.keys(result.counts).sort()).toEqual(['a2', 'b1', 'b2']);
    for (const n of Object.values(result.counts)) expect(n).toBeGreaterThanOrEqual(33);
  });

  it('sends the closest address to the instance with the lowest given RTT, and follows changes', async () => {
    expect((await lab.fetch(nsOf(a1), `http://${CLOSEST_IP}/`, 5)).counts).toEqual({ b1: 5 });
    const local = a.state.services.map((s) =>
      s.address === CLOSEST_IP
        ? {
            ...s,
            backends: s.backends.map((x) => ({
              ...x,
              rttMs: x.namespaceIp === a2.namespaceIp ? 0.2 : 1,
            })),
          }
        : s,
    );
    await a.manager.setServices(local);
    expect((await lab.fetch(nsOf(a1), `http://${CLOSEST_IP}/`, 5)).counts).toEqual({ a2: 5 });
    await a.manager.setServices(a.state.services);
  });

  it('never leaks a service address without instances (dropped as a table miss, or unroutable)', async () => {
    const result = await lab.fetch(nsOf(a1), 'http://10.30.99.99/', 1, 1500);
    expect(result.errors).toBe(1);
    expect(result.messages[0]).toMatch(/EHOSTUNREACH|ECONNREFUSED|ENETUNREACH|timeout/);
  });

  it("exposes a port mapping on the worker's underlay address and loopback, and refuses the tunnel port", async () => {
    expect(await lab.fetch(lab.underlay, `http://${a.worker.underlayIp}:8080/`)).toMatchObject({
      counts: { a1: 1 },
      errors: 0,
    });
    // On the worker itself, as with Docker's port publishing.
    expect(await lab.fetch(a.worker.netns, 'http://127.0.0.1:8080/')).toMatchObject({
      counts: { a1: 1 },
      errors: 0,
    });
    const before = a.manager.renderRuleset();
    await expect(
      a.manager.attach({ ...a1, ports: [{ hostPort: 50103, containerPort: 53, protocol: 'udp' }] }),
    ).rejects.toBeInstanceOf(DesiredStateError);
    expect(a.manager.renderRuleset()).toBe(before);
    expect(await lab.fetch(lab.underlay, `http://${a.worker.underlayIp}:8080/`)).toMatchObject({
      counts: { a1: 1 },
    });
  });

  it('carries no plaintext on the underlay: captured tunnel packets do not contain the payload', async () => {
    const pcap = await lab.capture('a', ['udp'], async () => {
      const result = await lab.fetch(nsOf(a1), `http://${b1.namespaceIp}/${MARKER}`, 3);
      expect(result.bodies[0]).toBe(`b1 ${MARKER}`);
    });
    expect(pcapPacketCount(pcap)).toBeGreaterThanOrEqual(12);
    expect(pcap.includes(Buffer.from(MARKER))).toBe(false);
  });

  it('recovers after an agent crash: a fresh manager adopts wireguard-go and restores what was lost', async () => {
    const before = await a.manager.inventory();
    expect(before.dockerForwardRules).toBe(2);
    expect(before.wireguardGoPids).toHaveLength(
      a.manager.wireguardImplementation === 'userspace' ? 1 : 0,
    );
    // damage: no nft table, a2's veth gone, Docker rules flushed
    await a.worker.runner.run(['nft', 'delete', 'table', 'inet', 'canopy']);
    await a.worker.runner.run(['ip', 'link', 'del', 'dev', a.manager.hostLinkName(a2.key)]);
    await a.worker.runner.run(['iptables', '-w', '-F', 'DOCKER-USER']);
    const broken = await lab.fetch(nsOf(a1), `http://${b1.namespaceIp}/`, 1, 700);
    expect(broken.errors).toBe(1); // Docker's FORWARD DROP now applies
    const restarted = new NetManager({
      runner: a.worker.runner,
      config: configFor('a', 'wireguard'),
    });
    const report = await restarted.reconcile(a.state);
    expect(report.failures).toEqual([]);
    expect(report.changes).toEqual(
      expect.arrayContaining([
        `created ${a.manager.hostLinkName(a2.key)} <-> eth0 of ${a2.key}`,
        'DOCKER-USER: accept -i canopy0',
        'DOCKER-USER: accept -o canopy0',
      ]),
    );
    expect(report.changes.some((c) => c.startsWith(`created ${id}wga`))).toBe(false);
    const after = await restarted.inventory();
    expect(after.wireguardGoPids).toEqual(before.wireguardGoPids);
    expect(after.nftTable).toBe(true);
    a.manager = restarted;
    // a2's server kept running: only its veth was lost, not its namespace
    expect(await lab.fetch(nsOf(a1), `http://${b1.namespaceIp}/`)).toMatchObject({
      counts: { b1: 1 },
      errors: 0,
    });
    expect(await lab.fetch(nsOf(b1), `http://${a2.instanceIp}/`)).toMatchObject({
      counts: { a2: 1 },
      errors: 0,
    });
    expect((await restarted.reconcile(a.state)).changes).toEqual([]); // converged: nothing left to do
  });

  it('detach removes the veth, namespace, rules and addresses of that instance only', async () => {
    const host = a.manager.hostLinkName(a2.key);
    expect(await links(a.worker)).toContain(host);
    const changes = await a.manager.detach(a2.key);
    expect(changes).toEqual([`removed ${host} of ${a2.key}`, `removed netns ${nsOf(a2)}`]);
    // the control plane's update: a2 is gone from every worker's service table
    for (const side of [a, b]) {
      side.state = {
        ...side.state,
        instances: side.state.instances.filter((i) => i.key !== a2.key),
        services: side.state.services
          .filter((s) => s.address !== a2.instanceIp)
          .map((s) => ({
            ...s,
            backends: s.backends.filter((x) => x.namespaceIp !== a2.namespaceIp),
          })),
      };
      await side.manager.setServices(side.state.services);
    }
    expect(await links(a.worker)).not.toContain(host);
    const ruleset = (await a.worker.runner.run(['nft', 'list', 'table', 'inet', 'canopy'])).stdout;
    expect(ruleset).not.toContain(a2.namespaceIp);
    expect(ruleset).not.toContain(a2.instanceIp);
    expect(ruleset).toContain(a1.namespaceIp);
    const netns = (await lab.host.run(['ip', 'netns', 'list'], { netns: null })).stdout;
    expect(netns).not.toContain(nsOf(a2));
    expect(netns).toContain(nsOf(a1));
    expect((await lab.fetch(nsOf(a1), `http://${RR_IP}/`, 6)).counts).toEqual({ b1: 3, b2: 3 });
  });
});

describe('worker data plane over VXLAN', () => {
  beforeAll(async () => {
    for (const side of [a, b]) {
      side.manager = new NetManager({
        runner: side.worker.runner,
        config: configFor(side === a ? 'a' : 'b', 'vxlan'),
      });
      const report = await side.manager.reconcile(side.state);
      expect(report.failures).toEqual([]);
      expect(report.changes).toEqual(
        expect.arrayContaining([`removed ${id}wg${side === a ? 'a' : 'b'}`]),
      );
    }
  });

  it('switches backend in place and connects the workers by namespace IP, InstanceIP and ServiceIP', async () => {
    expect(await links(a.worker)).not.toContain(`${id}wga`);
    expect((await a.manager.inventory()).wireguardGoPids).toEqual([]);
    expect(await lab.fetch(nsOf(a1), `http://${b1.namespaceIp}/`)).toMatchObject({
      counts: { b1: 1 },
      errors: 0,
    });
    expect(await lab.fetch(nsOf(a1), `http://${b2.instanceIp}/`)).toMatchObject({
      counts: { b2: 1 },
      errors: 0,
    });
    expect(await lab.fetch(nsOf(b1), `http://${a1.instanceIp}/`)).toMatchObject({
      counts: { a1: 1 },
      errors: 0,
    });
    const rr = await lab.fetch(nsOf(a1), `http://${RR_IP}/`, 10);
    expect(rr.errors).toBe(0);
    expect(Object.keys(rr.counts).sort()).toEqual(['b1', 'b2']);
  });

  it('is unencrypted: the same capture shows the payload (the capture method works)', async () => {
    const pcap = await lab.capture('a', ['udp', 'port', '50103'], async () => {
      await lab.fetch(nsOf(a1), `http://${b1.namespaceIp}/${MARKER}`);
    });
    expect(pcap.includes(Buffer.from(MARKER))).toBe(true);
  });
});

describe('cleanup', () => {
  it('leaves no table, link, route, namespace, rule or wireguard-go process of ours behind', async () => {
    // bring back WireGuard on A so that cleanup has a wireguard-go to end as well
    a.manager = new NetManager({ runner: a.worker.runner, config: configFor('a', 'wireguard') });
    await a.manager.reconcile(a.state);
    const pids = (await a.manager.inventory()).wireguardGoPids;
    for (const side of [a, b]) await side.manager.cleanup();
    for (const side of [a, b]) {
      const inventory = await side.manager.inventory();
      expect(inventory).toEqual({
        links: [],
        routes: [],
        nftTable: false,
        ownedNetns: [],
        wireguardGoPids: [],
        dockerForwardRules: 0,
      });
      expect(await links(side.worker)).toEqual(['lo', 'ul0']);
      const routes = (await side.worker.runner.run(['ip', '-j', 'route', 'show', 'table', 'all']))
        .stdout;
      expect(routes).not.toMatch(/10\.18\.|10\.30\./);
    }
    expect(await nftTables(a.worker)).not.toContain('inet canopy');
    expect(await nftTables(b.worker)).toEqual([]);
    for (const pid of pids) expect(lab.host.isAlive(pid)).toBe(false);
    const processes = await lab.host.processes();
    expect(processes.filter((p) => p.argv.some((arg) => arg.startsWith(`${id}wg`)))).toEqual([]);
    for (const name of [`${id}wga`, `${id}wgb`])
      expect(await lab.host.fileExists(`/var/run/wireguard/${name}.sock`)).toBe(false);
    const netns = (await lab.host.run(['ip', 'netns', 'list'], { netns: null })).stdout;
    expect(netns).not.toMatch(new RegExp(`${id}[ab]-`));
    expect(
      (await lab.run(a.worker.netns, ['iptables', '-w', '-S', 'DOCKER-USER'])).stdout,
    ).not.toContain('canopy');
    expect(await a.manager.cleanup()).toEqual(['removed nft table inet canopy (if present)']); // idempotent
  });
});
