import type { ObservedLink } from './ip-json.parser';
import {
  diffAddresses,
  diffFdb,
  diffNeighbors,
  diffRoutes,
  orphanInstanceLinks,
  orphanNetns,
  routeReplaceArgs,
} from './net-diff';
import { instanceLinkName } from './net-names';
import { testConfig } from './testing/net-fixtures';

const config = testConfig();
const link = (name: string, extra: Partial<ObservedLink> = {}): ObservedLink => ({
  name,
  index: 1,
  mtu: 1420,
  up: true,
  addresses: [],
  kind: 'veth',
  alias: 'canopy',
  ...extra,
});

describe('desired-state diffing', () => {
  it('replaces missing or changed routes and removes ours that are no longer wanted', () => {
    const { replace, remove } = diffRoutes(
      [
        { dst: '10.18.0.64/26', dev: 'cnp-wg0', src: '10.18.0.1' },
        { dst: '10.18.0.128/26', dev: 'cnp-wg0', src: '10.18.0.1' },
      ],
      [
        { dst: '10.18.0.64/26', dev: 'cnp-wg0', prefsrc: '10.18.0.1', onlink: false },
        { dst: '10.18.0.192/26', dev: 'cnp-wg0', prefsrc: '10.18.0.1', onlink: false },
        {
          dst: '10.18.0.128/26',
          dev: 'cnp-vx0',
          gateway: '10.18.0.129',
          prefsrc: '10.18.0.1',
          onlink: true,
        },
      ],
    );
    expect(replace).toEqual([{ dst: '10.18.0.128/26', dev: 'cnp-wg0', src: '10.18.0.1' }]);
    expect(remove.map((r) => `${r.dst} ${r.dev}`)).toEqual([
      '10.18.0.192/26 cnp-wg0',
      '10.18.0.128/26 cnp-vx0',
    ]);
  });

  it('tags every route with the protocol number', () => {
    expect(
      routeReplaceArgs(
        { dst: '10.18.0.64/26', dev: 'cnp-vx0', via: '10.18.0.65', onlink: true, src: '10.18.0.1' },
        233,
      ),
    ).toEqual([
      'ip',
      'route',
      'replace',
      '10.18.0.64/26',
      'via',
      '10.18.0.65',
      'dev',
      'cnp-vx0',
      'onlink',
      'src',
      '10.18.0.1',
      'proto',
      '233',
    ]);
  });

  it('diffs IPv4 addresses and leaves IPv6 link-local alone', () => {
    expect(
      diffAddresses(
        ['10.18.0.2/32', '10.30.0.10/32'],
        [
          { family: 'inet', address: '10.18.0.2', prefix: 32 },
          { family: 'inet', address: '10.30.0.9', prefix: 32 },
          { family: 'inet6', address: 'fe80::1', prefix: 64 },
        ],
      ),
    ).toEqual({ add: ['10.30.0.10/32'], remove: ['10.30.0.9/32'] });
  });

  it('finds orphan instance veths by name pattern and tag, never foreign links', () => {
    const wanted = instanceLinkName('cnp', 'a#1');
    const orphan = instanceLinkName('cnp', 'a#2');
    const untagged = instanceLinkName('cnp', 'a#3');
    const links = [
      link(wanted),
      link(orphan),
      link(untagged, { alias: undefined }), // created, crash before the alias was set
      link(instanceLinkName('cnp', 'a#4'), { alias: 'someone-else' }),
      link('cnpv-not-ours'),
      link('canopy0', { kind: 'bridge' }),
      link(instanceLinkName('cnp', 'a#5'), { kind: 'bridge' }),
    ];
    expect(orphanInstanceLinks(links, new Set([wanted]), config).map((l) => l.name)).toEqual([
      orphan,
      untagged,
    ]);
  });

  it('finds owned namespaces by prefix that no instance uses any more', () => {
    expect(
      orphanNetns(['cnp-a', 'cnp-b', 'docker-x', 'other'], new Set(['cnp-a']), config),
    ).toEqual(['cnp-b']);
  });

  it('diffs VXLAN FDB and neighbour entries per peer', () => {
    expect(
      diffFdb(
        [
          { mac: '02:ca:0a:12:00:40', dst: '198.18.0.2' },
          { mac: '02:ca:0a:12:00:80', dst: '198.18.0.3' },
        ],
        [
          { mac: '02:ca:0a:12:00:40', dst: '198.18.0.2', permanent: true },
          { mac: '02:ca:0a:12:00:c0', dst: '198.18.0.4', permanent: true },
          { mac: '33:33:00:00:00:01', permanent: true },
        ],
      ),
    ).toEqual({
      add: [{ mac: '02:ca:0a:12:00:80', dst: '198.18.0.3' }],
      remove: [{ mac: '02:ca:0a:12:00:c0', dst: '198.18.0.4', permanent: true }],
    });
    expect(
      diffNeighbors(
        [{ ip: '10.18.0.65', mac: '02:ca:0a:12:00:40' }],
        [
          { ip: '10.18.0.65', mac: '02:ca:0a:12:00:41', permanent: true },
          { ip: '10.18.0.193', mac: '02:ca:0a:12:00:c0', permanent: true },
          { ip: '10.18.0.5', mac: 'aa:aa:aa:aa:aa:aa', permanent: false },
        ],
      ),
    ).toEqual({
      replace: [{ ip: '10.18.0.65', mac: '02:ca:0a:12:00:40' }],
      remove: [{ ip: '10.18.0.193', mac: '02:ca:0a:12:00:c0', permanent: true }],
    });
  });
});
