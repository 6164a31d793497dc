import { renderWireguardConfig, wireguardPeers } from './wireguard-config';
import { TEST_KEYS } from './testing/net-fixtures';

const base = {
  privateKey: TEST_KEYS.a.privateKey,
  listenPort: 50103,
  peerPort: 50103,
  persistentKeepaliveSeconds: 25,
};

describe('wireguard peer config', () => {
  it('allows exactly each peer worker subnet and defaults the endpoint port to the tunnel port', () => {
    const peers = wireguardPeers({
      ...base,
      peers: [
        {
          id: 'c',
          subnet: '10.18.0.128/26',
          endpoint: '198.18.0.3',
          port: 51000,
          publicKey: TEST_KEYS.c.publicKey,
        },
        {
          id: 'b',
          subnet: '10.18.0.64/26',
          endpoint: '198.18.0.2',
          publicKey: TEST_KEYS.b.publicKey,
        },
        { id: 'nokey', subnet: '10.18.0.192/26', endpoint: '198.18.0.4' },
      ],
    });
    expect(peers).toEqual([
      {
        publicKey: TEST_KEYS.c.publicKey,
        endpoint: '198.18.0.3:51000',
        allowedIps: ['10.18.0.128/26'],
        persistentKeepaliveSeconds: 25,
      },
      {
        publicKey: TEST_KEYS.b.publicKey,
        endpoint: '198.18.0.2:50103',
        allowedIps: ['10.18.0.64/26'],
        persistentKeepaliveSeconds: 25,
      },
    ]);
  });

  it('renders a complete wg setconf file with the listen port (for wg syncconf)', () => {
    const text = renderWireguardConfig({
      ...base,
      persistentKeepaliveSeconds: 0,
      peers: [
        {
          id: 'b',
          subnet: '10.18.0.64/26',
          endpoint: '198.18.0.2',
          publicKey: TEST_KEYS.b.publicKey,
        },
      ],
    });
    expect(text).toBe(
      [
        '[Interface]',
        `PrivateKey = ${TEST_KEYS.a.privateKey}`,
        'ListenPort = 50103',
        '',
        '[Peer]',
        `PublicKey = ${TEST_KEYS.b.publicKey}`,
        'AllowedIPs = 10.18.0.64/26',
        'Endpoint = 198.18.0.2:50103',
        '',
      ].join('\n'),
    );
  });

  it('has no peer section when there are no peers (syncconf then removes all peers)', () => {
    expect(renderWireguardConfig({ ...base, peers: [] })).not.toContain('[Peer]');
  });
});
