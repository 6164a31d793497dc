import { loadNodeConfig } from '../config/node-config.loader';
import { decidePeers, specNetworkFields, toTunnelPeer } from './instance-network.service';
import { netManagerConfigFor } from './network-setup';
import { resolveNetManagerConfig } from '../network';

const KEY_A = 'YGdE6SxIh8sZ5zbI2PAIxvnRkfUTXm5vpTLWTpAtcWM=';

describe('net/peers handling', () => {
  const peer = (id: string, extra: object = {}) => ({
    id,
    subnet: '10.18.0.64/26',
    endpoint: '192.168.1.20',
    port: 50103,
    public_key: KEY_A,
    ...extra,
  });

  it('applies a valid list and drops this worker from it', () => {
    const d = decidePeers(
      JSON.stringify({ revision: 4, peers: [peer('w2'), peer('me')] }),
      'me',
      3,
    );
    expect(d).toEqual({ apply: true, revision: 4, peers: [peer('w2')] });
  });

  it('ignores a revision lower than the last applied one (equal re-applies)', () => {
    expect(decidePeers(JSON.stringify({ revision: 2, peers: [] }), 'me', 3)).toEqual({
      apply: false,
      reason: 'revision 2 is older than 3',
    });
    expect(decidePeers(JSON.stringify({ revision: 3, peers: [] }), 'me', 3).apply).toBe(true);
    expect(decidePeers(JSON.stringify({ revision: 0, peers: [] }), 'me', undefined).apply).toBe(
      true,
    );
  });

  it.each([
    ['not JSON', '{'],
    ['no revision', JSON.stringify({ peers: [] })],
    ['bad key', JSON.stringify({ revision: 1, peers: [peer('w2', { public_key: 'x' })] })],
    ['bad port', JSON.stringify({ revision: 1, peers: [peer('w2', { port: 70000 })] })],
  ])('drops a malformed payload (%s) with a reason', (_what, payload) => {
    const d = decidePeers(payload, 'me', undefined);
    expect(d.apply).toBe(false);
    expect(d.apply === false && d.reason.length).toBeGreaterThan(0);
  });

  it('maps a peer to the net manager shape', () => {
    expect(toTunnelPeer(peer('w2'))).toEqual({
      id: 'w2',
      subnet: '10.18.0.64/26',
      endpoint: '192.168.1.20',
      port: 50103,
      publicKey: KEY_A,
    });
  });
});

describe(specNetworkFields.name, () => {
  it('reads key, port mappings and InstanceIP from the spec label', () => {
    expect(
      specNetworkFields(
        JSON.stringify({
          job_name: 'app.web',
          instance_number: 2,
          port: '8080:80;53/udp',
          instance_ip: '10.30.0.7',
        }),
      ),
    ).toEqual({
      key: 'app.web#2',
      instanceIp: '10.30.0.7',
      ports: [
        { hostPort: 8080, containerPort: 80, protocol: 'tcp' },
        { hostPort: 53, containerPort: 53, protocol: 'udp' },
      ],
    });
  });

  it('is undefined for a missing or unusable label', () => {
    expect(specNetworkFields(undefined)).toBeUndefined();
    expect(specNetworkFields('{')).toBeUndefined();
    expect(specNetworkFields('{"job_name":"x"}')).toBeUndefined();
  });
});

describe('network config', () => {
  const load = (network?: object) =>
    loadNodeConfig('node.json', () =>
      JSON.stringify({ cluster_address: '10.0.0.5', ...(network ? { network } : {}) }),
    );

  it('is "auto" by default with the documented defaults', () => {
    const config = load();
    expect({ ...config.network }).toEqual({
      enabled: 'auto',
      backend: 'wireguard',
      tunnel_port: 50103,
      bridge: 'canopy0',
      interest_ttl_seconds: 60,
      gate_binary: '/bin/busybox',
    });
    expect(resolveNetManagerConfig(netManagerConfigFor(config.network))).toMatchObject({
      bridge: 'canopy0',
      nftTable: 'canopy',
      linkAlias: 'canopy',
      tunnel: { backend: 'wireguard', port: 50103, wireguardInterface: 'cnp-wg0' },
    });
  });

  it('accepts every field', () => {
    const config = load({
      enabled: true,
      backend: 'vxlan',
      tunnel_port: 51000,
      interface: 'w7-vx',
      bridge: 'w7-br',
      underlay_address: '192.168.1.7',
      interest_ttl_seconds: 5,
      gate_binary: '',
    });
    expect(config.network).toMatchObject({
      enabled: true,
      underlay_address: '192.168.1.7',
      interest_ttl_seconds: 5,
      gate_binary: '',
    });
    const resolved = resolveNetManagerConfig(netManagerConfigFor(config.network));
    expect(resolved.bridge).toBe('w7-br');
    // Another bridge, another agent: its own table and link tag, never the default agent's.
    expect(resolved.nftTable).toBe('canopy_w7_br');
    expect(resolved.linkAlias).toBe('canopy:w7-br');
    expect(resolved.tunnel).toMatchObject({
      backend: 'vxlan',
      port: 51000,
      vxlanInterface: 'w7-vx',
    });
    expect(resolved.tunnel.wireguardInterface).not.toBe('w7-vx');
  });

  it('the vxlan default interface is cnp-vx0; a name clash with the other backend is avoided', () => {
    expect(
      resolveNetManagerConfig(netManagerConfigFor(load({ backend: 'vxlan' }).network)).tunnel
        .vxlanInterface,
    ).toBe('cnp-vx0');
    const clash = resolveNetManagerConfig(
      netManagerConfigFor(load({ backend: 'vxlan', interface: 'cnp-wg0' }).network),
    );
    expect(clash.tunnel.vxlanInterface).toBe('cnp-wg0');
    expect(clash.tunnel.wireguardInterface).not.toBe('cnp-wg0');
  });

  it('lists every invalid field', () => {
    let message = '';
    try {
      load({
        enabled: 'yes',
        backend: 'ipsec',
        tunnel_port: 0,
        interface: 'much-too-long-name',
        bridge: 'bad name',
        underlay_address: '300.1.1.1',
        interest_ttl_seconds: 0,
        gate_binary: 'busybox',
        colour: 'blue',
      });
    } catch (error) {
      message = (error as Error).message;
    }
    for (const field of [
      'enabled',
      'backend',
      'tunnel_port',
      'interface',
      'bridge',
      'underlay_address',
      'interest_ttl_seconds',
      'gate_binary',
      'colour',
    ]) {
      expect(message).toContain(`node.json: network.${field}:`);
    }
  });
});
