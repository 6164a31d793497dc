import { isWireguardKey, validateDesiredState, validateInstance } from './desired-state.validator';
import { parseCidr } from './ipv4-cidr';
import { ServiceMode } from './net-desired-state';
import { TEST_KEYS, testConfig, testInstance, testState } from './testing/net-fixtures';

const config = testConfig();
const subnet = parseCidr('10.18.0.0/26');

describe('desired state validation', () => {
  it('accepts a consistent worker state', () => {
    expect(validateDesiredState(testState(), config)).toEqual([]);
  });

  it('refuses a port mapping of the tunnel port, for udp and tcp, and of a configured tunnel port', () => {
    const udp = testInstance({
      ports: [{ hostPort: 50103, containerPort: 50103, protocol: 'udp' }],
    });
    expect(validateInstance(udp, subnet, config)).toEqual([
      'instance "app.svc#0": host port 50103 is the worker tunnel port and cannot be mapped',
    ]);
    const tcp = testInstance({ ports: [{ hostPort: 50103, containerPort: 80, protocol: 'tcp' }] });
    expect(validateInstance(tcp, subnet, config)).toHaveLength(1);
    const moved = testConfig({ tunnel: { port: 51820 } });
    expect(
      validateInstance(
        testInstance({ ports: [{ hostPort: 51820, containerPort: 1, protocol: 'udp' }] }),
        subnet,
        moved,
      ),
    ).toHaveLength(1);
    expect(validateInstance(udp, subnet, moved)).toEqual([]);
  });

  it('refuses the same host port twice, within and across instances', () => {
    const problems = validateDesiredState(
      testState({
        instances: [
          testInstance({
            ports: [
              { hostPort: 80, containerPort: 80, protocol: 'tcp' },
              { hostPort: 80, containerPort: 81, protocol: 'tcp' },
            ],
          }),
          testInstance({
            key: 'b#1',
            namespaceIp: '10.18.0.3',
            instanceIp: '10.30.0.11',
            netns: { path: '/proc/2/ns/net' },
            ports: [
              { hostPort: 80, containerPort: 80, protocol: 'tcp' },
              { hostPort: 80, containerPort: 80, protocol: 'udp' },
            ],
          }),
        ],
      }),
      config,
    );
    expect(problems).toEqual([
      'instance "app.svc#0": host port 80/tcp is mapped twice',
      'instance "b#1": host port 80/tcp is already mapped by "app.svc#0"',
    ]);
  });

  it('checks instance addresses against the subnet, the gateway and each other', () => {
    const problems = validateDesiredState(
      testState({
        instances: [
          testInstance({ namespaceIp: '10.18.0.1' }),
          testInstance({
            key: 'x#1',
            namespaceIp: '10.18.0.99',
            instanceIp: '10.31.0.1',
            netns: { name: 'cnp-x' },
          }),
          testInstance({
            key: 'y#1',
            namespaceIp: '10.18.0.1',
            instanceIp: '10.30.0.10',
            netns: { name: 'foreign', owned: true },
          }),
        ],
      }),
      config,
    );
    expect(problems).toEqual(
      expect.arrayContaining([
        'instance "app.svc#0": namespaceIp 10.18.0.1 is the network, gateway or broadcast address',
        'instance "x#1": namespaceIp 10.18.0.99 is outside the worker subnet 10.18.0.0/26',
        'instance "x#1": instanceIp "10.31.0.1" is not inside the service pool 10.30.0.0/16',
        'instance "y#1": owned netns "foreign" must start with "cnp-"',
        'instance "y#1": namespaceIp 10.18.0.1 is also "app.svc#0"\'s',
        'instance "y#1": instanceIp 10.30.0.10 is also "app.svc#0"\'s',
      ]),
    );
  });

  it('needs WireGuard keys with the wireguard backend only', () => {
    const noKeys = testState({
      privateKey: undefined,
      peers: [{ id: 'b', subnet: '10.18.0.64/26', endpoint: '198.18.0.2' }],
    });
    expect(validateDesiredState(noKeys, config)).toEqual([
      'privateKey: a WireGuard private key is required with the wireguard backend',
      'peer "b": a WireGuard public key is required with the wireguard backend',
    ]);
    expect(validateDesiredState(noKeys, testConfig({ tunnel: { backend: 'vxlan' } }))).toEqual([]);
    expect(isWireguardKey(TEST_KEYS.c.publicKey)).toBe(true);
    expect(isWireguardKey('not a key')).toBe(false);
  });

  it('refuses overlapping subnets and a subnet inside the service pool', () => {
    const problems = validateDesiredState(
      testState({
        peers: [
          {
            id: 'b',
            subnet: '10.18.0.0/25',
            endpoint: '198.18.0.2',
            publicKey: TEST_KEYS.b.publicKey,
          },
          {
            id: 'c',
            subnet: '10.18.0.64/26',
            endpoint: '198.18.0.3',
            publicKey: TEST_KEYS.c.publicKey,
          },
        ],
      }),
      config,
    );
    expect(problems).toEqual([
      'peer "b": subnet 10.18.0.0/25 overlaps this worker\'s',
      'peer "c": subnet 10.18.0.64/26 overlaps peer "b"\'s',
    ]);
    expect(
      validateDesiredState(testState({ subnet: '10.30.1.0/26', instances: [] }), config),
    ).toEqual(['subnet 10.30.1.0/26 overlaps the service pool 10.30.0.0/16']);
  });

  it('refuses service addresses outside the pool and a local InstanceIP routed elsewhere', () => {
    const problems = validateDesiredState(
      testState({
        services: [
          { address: '192.168.1.1', mode: ServiceMode.ROUND_ROBIN, backends: [] },
          {
            address: '10.30.0.10',
            mode: ServiceMode.ROUND_ROBIN,
            backends: [{ namespaceIp: '10.18.0.66', rttMs: -1 }],
          },
        ],
      }),
      config,
    );
    expect(problems).toEqual([
      'service 192.168.1.1: address is not inside the service pool 10.30.0.0/16',
      'service 10.30.0.10: rttMs -1 must be a finite number ≥ 0',
      'service 10.30.0.10: is the InstanceIP of local instance "app.svc#0" but routes elsewhere',
    ]);
  });
});
