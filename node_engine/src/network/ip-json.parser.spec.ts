import {
  parseFdb,
  parseLinks,
  parseNeighbors,
  parseNetnsList,
  parseRoutes,
} from './ip-json.parser';

// Trimmed real output of iproute2 6.1 (Debian 12).
const ADDR_SHOW = JSON.stringify([
  {
    ifindex: 1,
    ifname: 'lo',
    flags: ['LOOPBACK'],
    mtu: 65536,
    address: '00:00:00:00:00:00',
    addr_info: [],
  },
  {
    ifindex: 2,
    link_index: 2,
    ifname: 'cnpv0123456789',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: 1420,
    master: 'canopy0',
    ifalias: 'canopy',
    address: '56:f8:44:22:5f:1a',
    link_netnsid: 0,
    linkinfo: {
      info_kind: 'veth',
      info_slave_kind: 'bridge',
      info_slave_data: { state: 'forwarding' },
    },
    addr_info: [
      { family: 'inet6', local: 'fe80::54f8:44ff:fe22:5f1a', prefixlen: 64, scope: 'link' },
    ],
  },
  {
    ifindex: 3,
    ifname: 'canopy0',
    flags: ['BROADCAST', 'MULTICAST', 'UP', 'LOWER_UP'],
    mtu: 1420,
    ifalias: 'canopy',
    linkinfo: { info_kind: 'bridge', info_data: { stp_state: 0 } },
    addr_info: [
      { family: 'inet', local: '10.18.0.1', prefixlen: 26, scope: 'global', label: 'canopy0' },
    ],
  },
  {
    ifindex: 4,
    ifname: 'cnp-vx0',
    flags: ['BROADCAST', 'MULTICAST'],
    mtu: 1450,
    address: '02:ca:0a:12:00:00',
    linkinfo: {
      info_kind: 'vxlan',
      info_data: { id: 42, local: '198.18.0.1', port: 50103, learning: false, ttl: 0 },
    },
    addr_info: [],
  },
  {
    ifindex: 5,
    ifname: 'cnp-wg0',
    flags: ['POINTOPOINT', 'NOARP', 'UP'],
    mtu: 1420,
    linkinfo: { info_kind: 'tun', info_data: { type: 'tun' } },
  },
]);

describe('iproute2 JSON parsing', () => {
  it('reads links with kind, alias, master, peer index, VXLAN parameters and IPv4/IPv6 addresses', () => {
    const links = parseLinks(ADDR_SHOW);
    expect(links.map((l) => [l.name, l.kind, l.up])).toEqual([
      ['lo', undefined, false],
      ['cnpv0123456789', 'veth', true],
      ['canopy0', 'bridge', true],
      ['cnp-vx0', 'vxlan', false],
      ['cnp-wg0', 'tun', true],
    ]);
    expect(links[1]).toMatchObject({ alias: 'canopy', master: 'canopy0', peerIndex: 2, mtu: 1420 });
    expect(links[2]?.addresses).toEqual([{ family: 'inet', address: '10.18.0.1', prefix: 26 }]);
    expect(links[3]?.vxlan).toEqual({ id: 42, local: '198.18.0.1', port: 50103, learning: false });
    expect(links[4]?.addresses).toEqual([]);
  });

  it('reads routes, normalising host routes to /32 and keeping the protocol', () => {
    const routes = parseRoutes(
      JSON.stringify([
        {
          dst: 'default',
          gateway: '10.18.0.1',
          dev: 'eth0',
          prefsrc: '10.18.0.2',
          flags: ['onlink'],
        },
        {
          dst: '10.18.0.64/26',
          gateway: '10.18.0.65',
          dev: 'cnp-vx0',
          protocol: '233',
          prefsrc: '10.18.0.1',
          flags: ['onlink'],
        },
        { dst: '10.30.0.5', dev: 'canopy0', protocol: 'kernel', flags: [] },
      ]),
    );
    expect(routes).toEqual([
      { dst: 'default', gateway: '10.18.0.1', dev: 'eth0', prefsrc: '10.18.0.2', onlink: true },
      {
        dst: '10.18.0.64/26',
        gateway: '10.18.0.65',
        dev: 'cnp-vx0',
        protocol: '233',
        prefsrc: '10.18.0.1',
        onlink: true,
      },
      { dst: '10.30.0.5/32', dev: 'canopy0', protocol: 'kernel', onlink: false },
    ]);
  });

  it('reads neighbours, FDB entries and namespace lists; empty output is an empty list', () => {
    expect(
      parseNeighbors('[{"dst":"10.18.0.65","lladdr":"02:ca:0a:12:00:40","state":["PERMANENT"]}]'),
    ).toEqual([{ ip: '10.18.0.65', mac: '02:ca:0a:12:00:40', permanent: true }]);
    expect(
      parseFdb(
        '[{"mac":"02:ca:0a:12:00:40","dst":"198.18.0.2","flags":["self"],"state":"permanent"}]',
      ),
    ).toEqual([{ mac: '02:ca:0a:12:00:40', dst: '198.18.0.2', permanent: true }]);
    expect(parseNetnsList('[{"name":"cnp-a"},{"name":"cnp-i","id":3}]')).toEqual([
      'cnp-a',
      'cnp-i',
    ]);
    expect(parseRoutes('')).toEqual([]);
    expect(() => parseLinks('{"not":"an array"}')).toThrow(/array/);
  });
});
