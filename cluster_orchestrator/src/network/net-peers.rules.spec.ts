import type { Worker } from '../workers/worker.repository';
import {
  DEFAULT_TUNNEL_PORT,
  informationAffectsPeers,
  nextRevision,
  peersFor,
  peerSnapshotOf,
  remotePeersOf,
  snapshotKey,
} from './net-peers.rules';

const KEY_A = 'YAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=';
const KEY_B = 'xTIBA5rboUvnH4htodjb6e697QjLERt1NAB4mZqp8Dg=';
const NOW = new Date(100_000);
const TIMEOUT = 10_000;

function worker(id: string, patch: Partial<Worker> = {}): Worker {
  return {
    id,
    host: `host-${id}`,
    ip: `198.18.0.${id.charCodeAt(0) - 95}`,
    port: '3000',
    architecture: 'amd64',
    facts: {},
    virtualization: ['docker'],
    labels: {},
    capacity: { vcpus: 2, memory: 1024, vgpus: 0 },
    free: { vcpus: 2, memory: 1024, vgpus: 0 },
    rev: 0,
    link_status: 'online',
    last_seen: new Date(NOW.getTime() - 1_000),
    registered_at: new Date(0),
    mqtt_username: `canopy-worker-${id}`,
    ...patch,
  };
}

const subnets = new Map([
  ['a', '10.18.0.0/26'],
  ['b', '10.18.0.64/26'],
  ['c', '10.18.0.128/26'],
]);

describe('tunnel peer lists', () => {
  it('lists every active worker with a subnet, sorted, with its endpoint, port and key', () => {
    const snapshot = peerSnapshotOf(
      [
        worker('c', { tunnel_port: 51820 }),
        worker('a', { wg_public_key: KEY_A }),
        worker('b', { wg_public_key: KEY_B, tunnel_port: 50200 }),
      ],
      subnets,
      NOW,
      TIMEOUT,
    );
    expect(snapshot).toEqual({
      recipients: ['a', 'b', 'c'],
      peers: [
        {
          id: 'a',
          subnet: '10.18.0.0/26',
          endpoint: '198.18.0.2',
          port: DEFAULT_TUNNEL_PORT,
          public_key: KEY_A,
        },
        {
          id: 'b',
          subnet: '10.18.0.64/26',
          endpoint: '198.18.0.3',
          port: 50200,
          public_key: KEY_B,
        },
        // No key yet (or a VXLAN-only worker): listed without one.
        { id: 'c', subnet: '10.18.0.128/26', endpoint: '198.18.0.4', port: 51820 },
      ],
    });
    expect(peersFor(snapshot, 'b').map((p) => p.id)).toEqual(['a', 'c']);
  });

  it('leaves out offline and silent workers everywhere, and cannot-peer workers from lists', () => {
    const snapshot = peerSnapshotOf(
      [
        worker('a'),
        worker('b', { link_status: 'offline' }),
        worker('c', { last_seen: new Date(NOW.getTime() - TIMEOUT - 1) }),
        worker('d'), // no subnet (registered before subnets existed)
        worker('e', { ip: '' }), // no underlay address: unreachable
      ],
      subnets,
      NOW,
      TIMEOUT,
    );
    expect(snapshot.recipients).toEqual(['a', 'd', 'e']);
    expect(snapshot.peers.map((p) => p.id)).toEqual(['a']);
    expect(peersFor(snapshot, 'a')).toEqual([]);
    expect(peersFor(snapshot, 'd').map((p) => p.id)).toEqual(['a']);
  });

  it('gives equal keys to equal states in any order, and a new key to any tunnel change', () => {
    const base = [worker('a', { wg_public_key: KEY_A }), worker('b'), worker('c')];
    const key = (ws: Worker[]) => snapshotKey(peerSnapshotOf(ws, subnets, NOW, TIMEOUT));
    const same = key(base);
    expect(key([...base].reverse())).toBe(same);
    // Liveness facts and other facts are not part of the lists.
    expect(key(base.map((w) => ({ ...w, last_seen: NOW, facts: { cpu_percent: 99 } })))).toBe(same);
    const changed = (i: number, patch: Partial<Worker>) =>
      key(base.map((w, j) => (j === i ? { ...w, ...patch } : w)));
    expect(changed(0, { wg_public_key: KEY_B })).not.toBe(same);
    expect(changed(1, { ip: '198.18.9.9' })).not.toBe(same);
    expect(changed(2, { tunnel_port: 50104 })).not.toBe(same);
    expect(changed(2, { link_status: 'offline' })).not.toBe(same);
    expect(changed(1, { last_seen: new Date(0) })).not.toBe(same);
    expect(
      snapshotKey(peerSnapshotOf(base, new Map([...subnets, ['c', '10.18.1.0/26']]), NOW, TIMEOUT)),
    ).not.toBe(same);
  });

  it('asks for a sync only when an information report may change the lists', () => {
    const before = worker('a', { wg_public_key: KEY_A, tunnel_port: 50103 });
    // The usual 2-second report: same facts, or none of the tunnel facts.
    expect(informationAffectsPeers(before, {}, true)).toBe(false);
    expect(
      informationAffectsPeers(
        before,
        { ip: before.ip, wg_public_key: KEY_A, tunnel_port: 50103 },
        true,
      ),
    ).toBe(false);
    expect(informationAffectsPeers(before, { ip: '198.18.7.7' }, true)).toBe(true);
    expect(informationAffectsPeers(before, { wg_public_key: KEY_B }, true)).toBe(true);
    expect(informationAffectsPeers(before, { tunnel_port: 50104 }, true)).toBe(true);
    // A worker coming back from silence or offline rejoins the lists.
    expect(informationAffectsPeers(before, {}, false)).toBe(true);
  });

  it('never hands out a revision at or below the last one, whatever the clock says', () => {
    expect(nextRevision(undefined, 1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(nextRevision(1_700_000_000_000, 1_700_000_000_000)).toBe(1_700_000_000_001);
    // Clock set back after a restart: still above the stored one.
    expect(nextRevision(1_700_000_000_500, 1_600_000_000_000)).toBe(1_700_000_000_501);
    // Revision store lost (database restored): time still moves it past old lists.
    expect(nextRevision(undefined, 1_800_000_000_000)).toBe(1_800_000_000_000);
  });
});

describe('remotePeersOf', () => {
  const peer = (over: Record<string, unknown>) => ({
    worker_id: 'w',
    subnet: '10.19.0.0/26',
    endpoint: '198.18.1.2',
    port: 50103,
    public_key: '',
    cluster_id: 'c2',
    ...over,
  });

  it('keeps well-formed peers of other clusters outside this pool, prefixed and sorted', () => {
    expect(
      remotePeersOf(
        [
          peer({ worker_id: 'z', subnet: '10.19.0.64/26' }),
          peer({}),
          peer({}), // duplicate
          peer({ worker_id: 'in-pool', subnet: '10.18.1.0/26' }),
          peer({ worker_id: 'no-cluster', cluster_id: '' }),
          peer({ worker_id: 'bad-endpoint', endpoint: 'host' }),
          peer({ worker_id: 'bad-port', port: 0 }),
          peer({ worker_id: 'bad-key', public_key: 'abc' }),
          peer({ worker_id: 'bad-subnet', subnet: '10.19.0.0' }),
        ],
        '10.18.0.0/16',
      ).map((p) => [p.id, p.subnet, p.cluster_id]),
    ).toEqual([
      ['c2/w', '10.19.0.0/26', 'c2'],
      ['c2/z', '10.19.0.64/26', 'c2'],
    ]);
  });
});
