/**
 * Tunnel benchmark (not a test): iperf3 TCP throughput and ping RTT instance → instance across
 * two workers through the tunnel, for both backends, against a raw veth pair between the same
 * two instance namespaces measured in the same run. Needs root, iperf3, busybox (ping),
 * iproute2, nftables, wireguard-tools and wireguard-go (or kernel WireGuard).
 *
 *   npx esbuild node_engine/src/network/bench/tunnel-throughput.bench.ts --bundle --platform=node \
 *     --tsconfig=node_engine/tsconfig.app.json --outfile=/tmp/canopy-tunnel-bench.js \
 *     && node /tmp/canopy-tunnel-bench.js
 *
 * BENCH_SECONDS (default 5) sets the iperf3 duration per measurement, BENCH_PARALLEL (default 1)
 * its streams, BENCH_BACKENDS (default `wireguard,vxlan`) what is measured. Everything runs in namespaces under a per-run id and is removed at the end, also on
 * failure or Ctrl-C.
 */
import { NetManager } from '../net-manager';
import type { TunnelBackendKind } from '../net-manager.config';
import type { InstanceNetwork, WorkerNetworkState } from '../net-desired-state';
import { NetnsLab, type LabWorker } from '../testing/netns-lab';
import { generateWireguardKeyPair } from '../wireguard.backend';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const PARALLEL = Number(process.env['BENCH_PARALLEL'] ?? 1);
const BACKENDS = (process.env['BENCH_BACKENDS'] ?? 'wireguard,vxlan').split(
  ',',
) as TunnelBackendKind[];
const RAW = { a: '198.19.255.1', b: '198.19.255.2' };

interface Measurement {
  gbps: number;
  retransmits: number;
  rttMs: number;
  /** UDP datagrams the receiving worker dropped for a full socket buffer during iperf3 (tunnel only). */
  udpRcvbufDrops: number;
}

const lab = new NetnsLab();
const managers: NetManager[] = [];

async function iperf(
  client: string,
  server: string,
  address: string,
): Promise<Pick<Measurement, 'gbps' | 'retransmits'>> {
  const pid = lab.spawn(server, ['iperf3', '-s', '-1', '-B', address]);
  try {
    await lab.host.sleep(300);
    const out = await lab.run(client, [
      'iperf3',
      '-c',
      address,
      '-t',
      String(SECONDS),
      '-P',
      String(PARALLEL),
      '-J',
    ]);
    const report = JSON.parse(out.stdout) as {
      end: { sum_received: { bits_per_second: number }; sum_sent: { retransmits?: number } };
    };
    return {
      gbps: report.end.sum_received.bits_per_second / 1e9,
      retransmits: report.end.sum_sent.retransmits ?? 0,
    };
  } finally {
    await lab.stop(pid);
  }
}

async function ping(client: string, address: string): Promise<number> {
  const out = await lab.run(client, ['busybox', 'ping', '-q', '-c', '50', '-i', '0.02', address]);
  const match = /min\/avg\/max = [\d.]+\/([\d.]+)\//.exec(out.stdout);
  if (!match) throw new Error(`cannot parse ping output: ${out.stdout}`);
  return Number(match[1]);
}

/** `Udp: … RcvbufErrors` of a namespace (/proc/net/snmp is per network namespace). */
async function udpRcvbufErrors(netns: string): Promise<number> {
  const lines = (await lab.run(netns, ['cat', '/proc/net/snmp'])).stdout
    .split('\n')
    .filter((l) => l.startsWith('Udp:'));
  const names = lines[0]?.split(/\s+/) ?? [];
  const values = lines[1]?.split(/\s+/) ?? [];
  return Number(values[names.indexOf('RcvbufErrors')] ?? 0);
}

async function measure(
  client: string,
  server: string,
  address: string,
  receiverWorker: string,
): Promise<Measurement> {
  await ping(client, address); // warm up: handshake, neighbour entries
  const rttMs = await ping(client, address);
  const before = await udpRcvbufErrors(receiverWorker);
  const result = await iperf(client, server, address);
  return { ...result, rttMs, udpRcvbufDrops: (await udpRcvbufErrors(receiverWorker)) - before };
}

function instance(label: string, nsIp: string, instanceIp: string): InstanceNetwork {
  return {
    key: `bench#${label}`,
    netns: { name: `${lab.id}${label}-i`, owned: true },
    namespaceIp: nsIp,
    instanceIp,
    ports: [],
  };
}

async function main(): Promise<void> {
  await lab.setUp();
  const workers: Record<'a' | 'b', LabWorker> = {
    a: await lab.addWorker('a', 1),
    b: await lab.addWorker('b', 2),
  };
  const keys = {
    a: await generateWireguardKeyPair(lab.host),
    b: await generateWireguardKeyPair(lab.host),
  };
  const subnets = { a: '10.18.0.0/26', b: '10.18.0.64/26' };
  const instances = {
    a: instance('a', '10.18.0.2', '10.30.0.2'),
    b: instance('b', '10.18.0.66', '10.30.0.66'),
  };
  const nsA = `${lab.id}a-i`;
  const nsB = `${lab.id}b-i`;
  const state = (side: 'a' | 'b'): WorkerNetworkState => {
    const other = side === 'a' ? 'b' : 'a';
    return {
      subnet: subnets[side],
      underlayAddress: workers[side].underlayIp,
      privateKey: keys[side].privateKey,
      peers: [
        {
          id: other,
          subnet: subnets[other],
          endpoint: workers[other].underlayIp,
          publicKey: keys[other].publicKey,
        },
      ],
      instances: [instances[side]],
      services: [],
    };
  };

  const results: {
    backend: TunnelBackendKind;
    implementation: string;
    tunnel: Measurement;
    raw: Measurement;
  }[] = [];
  let rawReady = false;
  for (const backend of BACKENDS) {
    for (const side of ['a', 'b'] as const) {
      const manager = new NetManager({
        runner: workers[side].runner,
        config: {
          ownedNetnsPrefix: `${lab.id}${side}-`,
          tunnel: {
            backend,
            wireguardInterface: `${lab.id}wg${side}`,
            vxlanInterface: `${lab.id}vx${side}`,
          },
        },
      });
      managers.push(manager);
      const report = await manager.reconcile(state(side));
      if (report.failures.length > 0) throw new Error(JSON.stringify(report.failures));
    }
    if (!rawReady) {
      // A direct veth between the same two instance namespaces: the baseline without worker,
      // bridge, routing, NAT or tunnel (added after attach so the instances keep eth0).
      await lab.run(nsA, [
        'ip',
        'link',
        'add',
        'name',
        'raw0',
        'type',
        'veth',
        'peer',
        'name',
        'raw0',
        'netns',
        `/run/netns/${nsB}`,
      ]);
      for (const [ns, address] of [
        [nsA, RAW.a],
        [nsB, RAW.b],
      ] as const) {
        await lab.run(ns, ['ip', 'addr', 'add', `${address}/30`, 'dev', 'raw0']);
        await lab.run(ns, ['ip', 'link', 'set', 'dev', 'raw0', 'up']);
      }
      rawReady = true;
    }
    const implementation =
      backend === 'wireguard'
        ? `wireguard (${managers[managers.length - 1]?.wireguardImplementation ?? '?'})`
        : 'vxlan';
    process.stderr.write(`measuring ${implementation}...\n`);
    const tunnel = await measure(nsA, nsB, instances.b.namespaceIp, workers.b.netns);
    const raw = await measure(nsA, nsB, RAW.b, workers.b.netns);
    results.push({ backend, implementation, tunnel, raw });
  }

  const f = (n: number, digits = 2): string => n.toFixed(digits);
  console.log(
    `\niperf3 TCP ${SECONDS}s x${PARALLEL} stream(s), instance a (worker A) -> instance b (worker B); ping: 50 x 56 B`,
  );
  console.log(
    'backend               tunnel Gbit/s  raw veth Gbit/s  ratio   retr(t/raw)  RTT tunnel ms  RTT raw ms  added RTT ms  UDP rcvbuf drops (B)',
  );
  for (const r of results) {
    console.log(
      [
        r.implementation.padEnd(21),
        f(r.tunnel.gbps).padStart(13),
        f(r.raw.gbps).padStart(16),
        f(r.tunnel.gbps / r.raw.gbps, 3).padStart(6),
        `${r.tunnel.retransmits}/${r.raw.retransmits}`.padStart(12),
        f(r.tunnel.rttMs, 3).padStart(14),
        f(r.raw.rttMs, 3).padStart(11),
        f(r.tunnel.rttMs - r.raw.rttMs, 3).padStart(13),
        String(r.tunnel.udpRcvbufDrops).padStart(21),
      ].join(' '),
    );
  }
}

async function cleanup(): Promise<void> {
  for (const manager of managers.reverse()) await manager.cleanup().catch(() => undefined);
  await lab.destroy();
}

process.once('SIGINT', () => {
  void cleanup().finally(() => process.exit(130));
});

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => cleanup());
