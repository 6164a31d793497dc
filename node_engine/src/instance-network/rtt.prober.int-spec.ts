/**
 * RttProber against real tunnel peers (root; network namespaces on 198.18.0.0/24, WireGuard):
 * worker A measures B (direct), C (reached through a userspace UDP relay on the underlay that
 * delays every datagram by 20 ms each way, since this kernel has no netem) and D (a peer that
 * does not exist). Closest routes then prefer B over the farther C and the unmeasured D, although
 * C's and D's namespace IPs are lower (the unmeasured tie-break would pick them), and a client on
 * A reaches B's instance through the closest ServiceIP. Everything is removed in afterAll.
 */

import { writeFile } from 'node:fs/promises';
import pino from 'pino';
import {
  CommandRunner,
  generateWireguardKeyPair,
  NetManager,
  ServiceMode,
  type InstanceNetwork,
  type NetManagerConfigInput,
  type WireguardKeyPair,
  type WorkerNetworkState,
} from '../network';
import { NetnsLab, type LabWorker } from '../network/testing/netns-lab';
import { closestChoices } from './rtt-estimate';
import { RttProber, type RttProbe } from './rtt.prober';
import { serviceRoutesOf } from './service-table';

jest.setTimeout(60_000);

const lab = new NetnsLab();
const id = lab.id;
const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
const PORT = 50103;
const RELAY_A_SIDE = 51001; // A sends to C here
const RELAY_C_SIDE = 51002; // C sends to A here
const DELAY_MS = 20;
const CLOSEST_IP = '10.30.40.31';
const subnets = { a: '10.18.1.0/26', b: '10.18.1.64/26', c: '10.18.0.192/26', d: '10.18.0.128/26' };

/** Forwards WireGuard datagrams between A and C, each after DELAY_MS (a "far" path). */
const RELAY_JS = `
const dgram = require('dgram');
const [aSide, cSide, delay] = process.argv.slice(2).map(Number);
const toC = dgram.createSocket('udp4'); const toA = dgram.createSocket('udp4');
toC.bind(aSide, '198.18.0.254'); toA.bind(cSide, '198.18.0.254');
toC.on('message', (m) => setTimeout(() => toA.send(m, ${PORT}, '198.18.0.3'), delay));
toA.on('message', (m) => setTimeout(() => toC.send(m, ${PORT}, '198.18.0.1'), delay));
`;

/** tcpConnectProbe's logic, run inside worker A's namespace (the prober lives in A's agent). */
const PROBE_JS = `
const [host, port, timeout] = [process.argv[1], Number(process.argv[2]), Number(process.argv[3])];
const t = process.hrtime.bigint();
const ms = () => Number(process.hrtime.bigint() - t) / 1e6;
const s = require('net').connect({ host, port });
const done = (v) => { process.stdout.write(v === undefined ? '' : String(v)); process.exit(0); };
setTimeout(() => done(undefined), timeout);
s.on('connect', () => done(ms()));
s.on('error', (e) => done(e.code === 'ECONNREFUSED' ? ms() : undefined));
`;

type Label = 'a' | 'b' | 'c';
const workers = {} as Record<Label, LabWorker>;
const managers = {} as Record<Label, NetManager>;
const keys = {} as Record<Label | 'd', WireguardKeyPair>;

const configFor = (label: string): NetManagerConfigInput => ({
  ownedNetnsPrefix: `${id}${label}-`,
  tunnel: {
    backend: 'wireguard',
    port: PORT,
    wireguardInterface: `${id}wg${label}`,
    vxlanInterface: `${id}vx${label}`,
  },
});

const instance = (label: string, nsIp: string): InstanceNetwork => ({
  key: `web#${label}1`,
  netns: { name: `${id}${label}-${label}1`, owned: true },
  namespaceIp: nsIp,
  ports: [],
});
const nsOf = (i: InstanceNetwork): string => ('name' in i.netns ? i.netns.name : i.netns.path);
const a1 = instance('a', '10.18.1.2');
const b1 = instance('b', '10.18.1.66');
const c1 = instance('c', '10.18.0.194');

const peer = (label: Label | 'd', endpoint: string, port = PORT) => ({
  id: `w-${label}`,
  subnet: subnets[label],
  endpoint,
  port,
  publicKey: keys[label].publicKey,
});

function state(label: Label): WorkerNetworkState {
  const peers =
    label === 'a'
      ? [
          peer('b', '198.18.0.2'),
          peer('c', '198.18.0.254', RELAY_A_SIDE),
          peer('d', '198.18.0.9'), // no such host
        ]
      : [
          peer(
            'a',
            label === 'c' ? '198.18.0.254' : '198.18.0.1',
            label === 'c' ? RELAY_C_SIDE : PORT,
          ),
        ];
  return {
    subnet: subnets[label],
    underlayAddress: workers[label].underlayIp,
    privateKey: keys[label].privateKey,
    peers,
    instances: [{ a: a1, b: b1, c: c1 }[label]],
    services: [],
  };
}

const probeInA: RttProbe = async (host, port, timeoutMs) => {
  const out = await lab.run(workers.a.netns, [
    process.execPath,
    '-e',
    PROBE_JS,
    host,
    String(port),
    String(timeoutMs),
  ]);
  return out.stdout === '' ? undefined : Number(out.stdout);
};

beforeAll(async () => {
  await lab.setUp();
  workers.a = await lab.addWorker('a', 1);
  workers.b = await lab.addWorker('b', 2);
  workers.c = await lab.addWorker('c', 3);
  const host = new CommandRunner();
  for (const label of ['a', 'b', 'c', 'd'] as const)
    keys[label] = await generateWireguardKeyPair(host);
  await writeFile(lab.path('relay.js'), RELAY_JS);
  lab.spawn(lab.underlay, [
    process.execPath,
    lab.path('relay.js'),
    String(RELAY_A_SIDE),
    String(RELAY_C_SIDE),
    String(DELAY_MS),
  ]);
  for (const label of ['a', 'b', 'c'] as const) {
    managers[label] = new NetManager({
      runner: workers[label].runner,
      config: configFor(label),
      logger,
    });
    const report = await managers[label].reconcile(state(label));
    expect(report.failures).toEqual([]);
  }
  for (const i of [b1, c1]) await lab.startServer(nsOf(i), i.key.split('#')[1] ?? '');
}, 60_000);

afterAll(async () => {
  for (const m of Object.values(managers)) await m.cleanup().catch(() => undefined);
  await lab.destroy();
}, 60_000);

describe('RttProber over real tunnels', () => {
  const targets = () =>
    (['b', 'c', 'd'] as const).map((label) => ({
      id: `w-${label}`,
      host: subnets[label].replace(/\.(\d+)\/26$/, (_m, last: string) => `.${Number(last) + 1}`),
      port: PORT,
    }));

  it('measures the near peer below the far one; the missing peer stays unmeasured', async () => {
    const prober = new RttProber({ targets, onRound: () => undefined, probe: probeInA, logger });
    // The first probe also pays for the WireGuard handshake; the EWMA settles over the rounds.
    for (let i = 0; i < 8; i++) await prober.probeAll();
    const [rb, rc, rd] = ['w-b', 'w-c', 'w-d'].map((w) => prober.rtt(w));
    process.stderr.write(
      `[rtt] near ${rb?.toFixed(2)} ms, far ${rc?.toFixed(2)} ms, missing ${rd}\n`,
    );
    expect(rb).toBeDefined();
    expect(rc).toBeGreaterThanOrEqual(2 * DELAY_MS);
    expect(rb).toBeLessThan(rc as number);
    expect(rd).toBeUndefined();

    const table = [
      {
        job_name: 'web',
        service_ips: [{ IpType: 'closest' as const, Address: CLOSEST_IP }],
        instances: [
          { instance_number: 1, namespace_ip: b1.namespaceIp, worker_id: 'w-b' },
          { instance_number: 2, namespace_ip: c1.namespaceIp, worker_id: 'w-c' },
          { instance_number: 3, namespace_ip: '10.18.0.130', worker_id: 'w-d' },
        ],
      },
    ];
    const remote = () => false;
    // Unmeasured, the lowest address would win; measured, the nearest peer does.
    expect(closestChoices(serviceRoutesOf(table, 'w-a'), remote).get(CLOSEST_IP)).toBe(
      '10.18.0.130',
    );
    const routes = serviceRoutesOf(table, 'w-a', (w) => prober.rtt(w));
    expect(closestChoices(routes, remote).get(CLOSEST_IP)).toBe(b1.namespaceIp);
    // Without B, the farther but measured C beats the unmeasured D.
    const withoutB = serviceRoutesOf(table, 'w-a', (w) =>
      w === 'w-b' ? undefined : prober.rtt(w),
    );
    expect(closestChoices(withoutB, remote).get(CLOSEST_IP)).toBe(c1.namespaceIp);

    await managers.a.setServices(routes.filter((r) => r.mode === ServiceMode.CLOSEST));
    expect(await lab.fetch(nsOf(a1), `http://${CLOSEST_IP}/`, 3)).toMatchObject({
      counts: { b1: 3 },
      errors: 0,
    });
    // the far path works too (it is only slower)
    expect(await lab.fetch(nsOf(a1), `http://${c1.namespaceIp}/`)).toMatchObject({
      counts: { c1: 1 },
    });
  });
});
