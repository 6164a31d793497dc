import type { TunnelPeer } from '@canopy/contracts/grpc';
import { MAX_TUNNEL_PEERS, sanitizeTunnelPeers } from './tunnel-peers.rules';

const good: TunnelPeer = {
  worker_id: 'w1',
  subnet: '10.18.0.0/26',
  endpoint: '192.0.2.10',
  port: 50103,
  public_key: 'q1Cq0dZ7wG2Q0s0o9a4S7H1Sm2bTw+Y2PpQ1vYcT2XE=',
  cluster_id: '',
};

describe('sanitizeTunnelPeers', () => {
  it('keeps well-formed peers, cluster_id always cleared', () => {
    const result = sanitizeTunnelPeers([{ ...good, cluster_id: 'spoofed' }]);
    expect(result).toEqual({ peers: [good], dropped: 0 });
  });

  it('accepts a host name or IPv6 endpoint (canonical) and an empty key (VXLAN)', () => {
    const { peers } = sanitizeTunnelPeers([
      { ...good, worker_id: 'a', endpoint: 'worker-1.example.org', public_key: '' },
      { ...good, worker_id: 'b', endpoint: 'FD00:0::1' },
    ]);
    expect(peers.map((p) => p.endpoint)).toEqual(['worker-1.example.org', 'fd00::1']);
  });

  it.each<[string, Partial<TunnelPeer>]>([
    ['no worker id', { worker_id: '' }],
    ['a 10 KB worker id', { worker_id: 'w'.repeat(10_000) }],
    ['no subnet', { subnet: '' }],
    ['a malformed subnet', { subnet: '10.18.0.0/99' }],
    ['no endpoint', { endpoint: '' }],
    ['an endpoint with spaces', { endpoint: 'a b' }],
    ['port 0', { port: 0 }],
    ['port 70000', { port: 70_000 }],
    ['a non-base64 key', { public_key: 'not a key!' }],
    ['an over-long key', { public_key: 'A'.repeat(10_000) }],
  ])('drops a peer with %s', (_why, change) => {
    expect(sanitizeTunnelPeers([{ ...good, ...change }])).toEqual({ peers: [], dropped: 1 });
  });

  it('keeps the first of a duplicated worker id and bounds the count', () => {
    expect(
      sanitizeTunnelPeers([good, { ...good, endpoint: '192.0.2.99' }]).peers.map((p) => p.endpoint),
    ).toEqual(['192.0.2.10']);
    const many = Array.from({ length: MAX_TUNNEL_PEERS + 10 }, (_, i) => ({
      ...good,
      worker_id: `w${i}`,
    }));
    const result = sanitizeTunnelPeers(many);
    expect(result.peers).toHaveLength(MAX_TUNNEL_PEERS);
    expect(result.dropped).toBe(10);
  });
});
