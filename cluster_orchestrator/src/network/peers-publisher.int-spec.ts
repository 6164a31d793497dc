import { MqttTopics, NetPeersDto, parsePayload } from '@canopy/contracts';
import type { MqttClient } from 'mqtt';
import {
  eventually,
  type RegisteredWorker,
  sleep,
  uniqueHost,
  workerBody,
  WorkerClusterHarness,
} from '../workers/testing/worker-cluster.harness';
import { DEFAULT_TUNNEL_PORT } from './net-peers.rules';

const KEYS = [
  'YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=',
  'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=',
  'oK56DE9Ue9zK76rAc8pBl6opph+1v36lm7cXXsQKrQM=',
  'QP6m0bFpkf7d2wQnOQ3D5mEGDnk3zQ5Sw8KyqBkrJkY=',
];

/** A worker's view of `nodes/<own id>/net/peers`, received with its OWN broker credentials. */
class PeerInbox {
  readonly lists: NetPeersDto[] = [];

  constructor(readonly client: MqttClient) {
    client.on('message', (_topic, payload) => {
      if (payload.length === 0) return;
      const parsed = parsePayload(NetPeersDto, payload);
      if (!parsed.ok) throw new Error(`invalid peer list: ${JSON.stringify(parsed.errors)}`);
      this.lists.push(parsed.value);
    });
  }

  static async open(h: WorkerClusterHarness, worker: RegisteredWorker): Promise<PeerInbox> {
    const inbox = new PeerInbox(await h.connectWorker(worker));
    await inbox.client.subscribeAsync(MqttTopics.netPeers(worker.id), { qos: 1 });
    return inbox;
  }

  get latest(): NetPeersDto | undefined {
    return this.lists.at(-1);
  }

  /** Waits until the latest list names exactly `ids` (any order). */
  until(ids: string[], what: string): Promise<NetPeersDto> {
    const want = [...ids].sort().join(',');
    return eventually(
      () => {
        const list = this.latest;
        return list &&
          list.peers
            .map((p) => p.id)
            .sort()
            .join(',') === want
          ? list
          : undefined;
      },
      5_000,
      what,
    );
  }
}

describe('tunnel peer lists (cluster in-process, real FerretDB, Redis, Mosquitto)', () => {
  const h = new WorkerClusterHarness({ WORKER_TIMEOUT: '10m' }); // liveness by link status here
  const workers: RegisteredWorker[] = [];
  const inboxes: PeerInbox[] = [];
  const ips = ['198.18.0.11', '198.18.0.12', '198.18.0.13'];
  const ports = [50103, 50200, undefined]; // the third sends none: the default applies

  beforeAll(async () => {
    await h.start();
    for (let i = 0; i < 3; i++) {
      workers.push(
        await h.register(
          workerBody(uniqueHost(`peer-${i}`), {
            ip: ips[i],
            wg_public_key: KEYS[i],
            ...(ports[i] !== undefined ? { tunnel_port: ports[i] } : {}),
          }),
        ),
      );
    }
    for (const w of workers) inboxes.push(await PeerInbox.open(h, w));
  });

  afterAll(() => h.close());

  const expectedPeer = (i: number) => ({
    id: workers[i]?.id,
    subnet: workers[i]?.subnetwork,
    endpoint: ips[i],
    port: ports[i] ?? DEFAULT_TUNNEL_PORT,
    public_key: KEYS[i],
  });

  it('3 workers register with keys and ports → each gets (retained) exactly the other two', async () => {
    for (const w of workers) expect(w.subnetwork).toMatch(/^10\.18\.\d+\.\d+\/26$/);
    expect(new Set(workers.map((w) => w.subnetwork)).size).toBe(3);
    for (let i = 0; i < 3; i++) {
      const others = [0, 1, 2].filter((j) => j !== i);
      const list = await (inboxes[i] as PeerInbox).until(
        others.map((j) => workers[j]?.id as string),
        `worker ${i}'s peers`,
      );
      expect([...list.peers].sort((a, b) => a.id.localeCompare(b.id))).toEqual(
        others.map(expectedPeer).sort((a, b) => String(a.id).localeCompare(String(b.id))),
      );
    }
  });

  it('a worker going offline → the others get a newer list without it; back online → with it', async () => {
    const [a, b, c] = inboxes as [PeerInbox, PeerInbox, PeerInbox];
    const [wa, wb, wc] = workers as [RegisteredWorker, RegisteredWorker, RegisteredWorker];
    const before = (a.latest as NetPeersDto).revision;
    const cReceived = c.lists.length;
    await c.client.publishAsync(MqttTopics.nodeStatus(wc.id), 'offline', { qos: 1 });
    const aList = await a.until([wb.id], 'a without c');
    const bList = await b.until([wa.id], 'b without c');
    expect(aList.revision).toBeGreaterThan(before);
    expect(bList.revision).toBe(aList.revision); // one sync, one revision for every list
    expect(aList.peers).toEqual([expectedPeer(1)]);
    // The offline worker is sent nothing (its retained list simply stays).
    expect(c.lists.length).toBe(cReceived);

    await c.client.publishAsync(MqttTopics.nodeStatus(wc.id), 'online', { qos: 1 });
    const back = await a.until([wb.id, wc.id], 'a with c again');
    expect(back.revision).toBeGreaterThan(aList.revision);
    await c.until([wa.id, wb.id], 'c with a and b again');
  });

  it('a changed key in `information` reaches the others; a plain report publishes nothing', async () => {
    const [a, b] = inboxes as [PeerInbox, PeerInbox];
    const [wa, , wc] = workers as [RegisteredWorker, RegisteredWorker, RegisteredWorker];
    const published = () => a.lists.length + b.lists.length;
    const plain = published();
    // The every-2-seconds report without tunnel changes: no new lists.
    await a.client.publishAsync(
      MqttTopics.nodeInformation(wa.id),
      JSON.stringify({ cpu_percent: 5, memory_percent: 10, ip: ips[0] }),
      { qos: 1 },
    );
    await h.barrier();
    await sleep(1_300); // past the debounce and one periodic check
    expect(published()).toBe(plain);

    await a.client.publishAsync(
      MqttTopics.nodeInformation(wa.id),
      JSON.stringify({ cpu_percent: 5, wg_public_key: KEYS[3] }),
      { qos: 1 },
    );
    const list = await eventually(
      () =>
        b.latest?.peers.find((p) => p.id === wa.id)?.public_key === KEYS[3] ? b.latest : undefined,
      5_000,
      "b to learn a's new key",
    );
    expect(list.peers.map((p) => p.id).sort()).toEqual([wa.id, wc.id].sort());
    expect(b.latest?.peers.find((p) => p.id === wa.id)).toMatchObject({
      endpoint: ips[0],
      port: ports[0],
    });
  });

  it('a worker subscribing late gets its latest list at once (retained)', async () => {
    const [a] = inboxes as [PeerInbox];
    const [wa, wb, wc] = workers as [RegisteredWorker, RegisteredWorker, RegisteredWorker];
    const current = a.latest as NetPeersDto;
    const late = await PeerInbox.open(h, wa); // a second session with a's credentials
    const list = await eventually(() => late.latest, 5_000, 'the retained list');
    expect(list).toEqual(current);
    expect(list.peers.map((p) => p.id).sort()).toEqual([wb.id, wc.id].sort());
  });

  it('a malformed WireGuard key at registration → 422 naming the field, nothing stored', async () => {
    const host = uniqueHost('peer-badkey');
    for (const bad of ['not-a-key', `${(KEYS[0] as string).slice(0, 43)}B`, 42]) {
      const res = await h.postRegister({
        join_token: 'wjt_int_spec_token_0123456789',
        ...workerBody(host, { wg_public_key: bad }),
      });
      expect(res.status).toBe(422);
      expect(JSON.stringify(res.body)).toContain('wg_public_key');
    }
    const res = await h.postRegister({
      join_token: 'wjt_int_spec_token_0123456789',
      ...workerBody(host, { tunnel_port: 70_000 }),
    });
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('tunnel_port');
    expect((await h.workers()).some((w) => w.host === host)).toBe(false);
  });
});

describe('tunnel peer lists: liveness timeout (cluster in-process)', () => {
  const h = new WorkerClusterHarness({ WORKER_TIMEOUT: '1500ms' });
  afterAll(() => h.close());

  it('a worker that falls silent drops out of the others’ lists without any event', async () => {
    await h.start();
    const quiet = await h.register(workerBody(uniqueHost('peer-quiet'), { ip: '198.18.0.21' }));
    const loud = await h.register(workerBody(uniqueHost('peer-loud'), { ip: '198.18.0.22' }));
    const inbox = await PeerInbox.open(h, loud);
    const heartbeat = setInterval(() => {
      void inbox.client
        .publishAsync(MqttTopics.nodeInformation(loud.id), JSON.stringify({ cpu_percent: 1 }), {
          qos: 1,
        })
        .catch(() => undefined);
    }, 300);
    try {
      const first = await inbox.until([quiet.id], 'loud sees quiet');
      expect(first.peers[0]).toMatchObject({ endpoint: '198.18.0.21', port: DEFAULT_TUNNEL_PORT });
      expect(first.peers[0]).not.toHaveProperty('public_key'); // it sent none
      const after = await inbox.until([], 'quiet to time out');
      expect(after.revision).toBeGreaterThan(first.revision);
    } finally {
      clearInterval(heartbeat);
    }
  });
});
