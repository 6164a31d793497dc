import type { TunnelPeer } from '@canopy/contracts/grpc';
import {
  judgeMembership,
  type NetworkMember,
  nextRevision,
  peersKey,
  remotePeersFor,
  visibleClusters,
} from './network-membership.rules';

function peer(worker_id: string, subnet: string): TunnelPeer {
  return {
    worker_id,
    subnet,
    endpoint: '192.0.2.1',
    port: 50103,
    public_key: 'a2V5',
    cluster_id: '',
  };
}

function cluster(id: string, fields: Partial<NetworkMember> = {}): NetworkMember {
  return {
    id,
    cluster_name: `name-${id}`,
    inNetwork: true,
    connected_at: new Date(1_000),
    worker_subnet_pool: '',
    tunnel_peers: [],
    network_problem: null,
    ...fields,
  };
}

describe('judgeMembership', () => {
  it('disjoint pools (or none announced) all take part', () => {
    const m = judgeMembership([
      cluster('a', { worker_subnet_pool: '10.18.0.0/16' }),
      cluster('b', { worker_subnet_pool: '10.19.0.0/16' }),
      cluster('c'),
    ]);
    expect([...m.members].sort()).toEqual(['a', 'b', 'c']);
    expect(m.isolated.size).toBe(0);
  });

  it('of two overlapping pools the later-connected cluster is isolated, naming both', () => {
    const m = judgeMembership([
      cluster('late', { worker_subnet_pool: '10.18.128.0/17', connected_at: new Date(2_000) }),
      cluster('early', { worker_subnet_pool: '10.18.0.0/16', connected_at: new Date(1_000) }),
    ]);
    expect([...m.members]).toEqual(['early']);
    const isolation = m.isolated.get('late');
    expect(isolation?.conflictsWith).toEqual({
      id: 'early',
      cluster_name: 'name-early',
      worker_subnet_pool: '10.18.0.0/16',
    });
    expect(isolation?.problem).toContain('10.18.128.0/17');
    expect(isolation?.problem).toContain('10.18.0.0/16');
    expect(isolation?.problem).toContain('name-early');
    expect(isolation?.problem).toContain('WORKER_SUBNET_POOL');
  });

  it('stays with the cluster already isolated even if it connected first (no flapping)', () => {
    const m = judgeMembership([
      cluster('a', { worker_subnet_pool: '10.18.0.0/16', network_problem: 'overlap' }),
      cluster('b', { worker_subnet_pool: '10.18.0.0/16', connected_at: new Date(5_000) }),
    ]);
    expect([...m.members]).toEqual(['b']);
    expect(m.isolated.has('a')).toBe(true);
  });

  it('clusters gone past the reschedule grace take no part and conflict with nobody', () => {
    const m = judgeMembership([
      cluster('gone', { worker_subnet_pool: '10.18.0.0/16', inNetwork: false }),
      cluster('b', { worker_subnet_pool: '10.18.0.0/16', connected_at: new Date(9_000) }),
    ]);
    expect([...m.members]).toEqual(['b']);
    expect(m.isolated.size).toBe(0);
  });

  it('a malformed pool isolates its cluster with the reason', () => {
    const m = judgeMembership([cluster('x', { worker_subnet_pool: '10.18.0.0/40' })]);
    expect(m.members.size).toBe(0);
    expect(m.isolated.get('x')?.problem).toContain('not an IPv4 CIDR');
  });
});

describe('visibleClusters', () => {
  it('a member sees every member; an isolated cluster only itself', () => {
    const m = judgeMembership([
      cluster('a', { worker_subnet_pool: '10.18.0.0/16' }),
      cluster('b', { worker_subnet_pool: '10.19.0.0/16' }),
      cluster('c', { worker_subnet_pool: '10.19.0.0/24', connected_at: new Date(3_000) }),
    ]);
    expect([...visibleClusters('a', m)].sort()).toEqual(['a', 'b']);
    expect([...visibleClusters('c', m)]).toEqual(['c']);
  });
});

describe('remotePeersFor', () => {
  const clusters = [
    cluster('a', {
      worker_subnet_pool: '10.18.0.0/16',
      tunnel_peers: [peer('wa', '10.18.0.0/26')],
    }),
    cluster('b', {
      worker_subnet_pool: '10.19.0.0/16',
      tunnel_peers: [
        peer('wb2', '10.19.0.64/26'),
        peer('wb1', '10.19.0.0/26'),
        peer('outside', '10.18.0.64/26'),
      ],
    }),
    cluster('iso', {
      worker_subnet_pool: '10.19.0.0/17',
      connected_at: new Date(9_000),
      tunnel_peers: [peer('wi', '10.19.1.0/26')],
    }),
    cluster('off', {
      inNetwork: false,
      worker_subnet_pool: '10.20.0.0/16',
      tunnel_peers: [peer('wo', '10.20.0.0/26')],
    }),
  ];
  const m = judgeMembership(clusters);

  it("gives the other members' workers with cluster_id, never its own, sorted", () => {
    expect(remotePeersFor('a', clusters, m)).toEqual([
      { ...peer('wb1', '10.19.0.0/26'), cluster_id: 'b' },
      { ...peer('wb2', '10.19.0.64/26'), cluster_id: 'b' },
    ]);
    expect(remotePeersFor('b', clusters, m)).toEqual([
      { ...peer('wa', '10.18.0.0/26'), cluster_id: 'a' },
    ]);
  });

  it('an isolated cluster gets none and is given to nobody; clusters gone past the grace neither', () => {
    expect(remotePeersFor('iso', clusters, m)).toEqual([]);
    const all = [...remotePeersFor('a', clusters, m), ...remotePeersFor('b', clusters, m)];
    expect(all.map((p) => p.cluster_id)).not.toContain('iso');
    expect(all.map((p) => p.cluster_id)).not.toContain('off');
  });

  it('equal lists have equal keys; any change of a peer changes it', () => {
    const peers = remotePeersFor('a', clusters, m);
    expect(peersKey(peers)).toBe(peersKey(remotePeersFor('a', clusters, m)));
    const moved = peers.map((p, i) => (i === 0 ? { ...p, endpoint: '192.0.2.9' } : p));
    expect(peersKey(moved)).not.toBe(peersKey(peers));
    expect(peersKey([])).toBe('[]');
  });
});

describe('nextRevision', () => {
  it('grows strictly, and is never below the clock', () => {
    expect(nextRevision(0, 1_000)).toBe(1_000);
    expect(nextRevision(1_000, 1_000)).toBe(1_001);
    expect(nextRevision(5_000, 1_000)).toBe(5_001);
  });
});
