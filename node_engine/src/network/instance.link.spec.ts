import type { ObservedLink } from './ip-json.parser';
import { isVethPair, planHostSide, planInstanceSide } from './instance.link';
import { testConfig, testInstance } from './testing/net-fixtures';

const context = { gateway: '10.18.0.1', mtu: 1420 };
const eth0 = (extra: Partial<ObservedLink> = {}): ObservedLink => ({
  name: 'eth0',
  index: 2,
  peerIndex: 7,
  kind: 'veth',
  mtu: 1420,
  up: true,
  addresses: [],
  ...extra,
});

describe('instance link planning', () => {
  it('configures a fresh eth0: loopback up, both /32 addresses, up, default route via the bridge onlink', () => {
    const plan = planInstanceSide(
      testInstance(),
      {
        eth0: eth0({ up: false, mtu: 1500 }),
        lo: { name: 'lo', index: 1, mtu: 65536, up: false, addresses: [] },
        routes: [],
      },
      context,
    );
    expect(plan).toEqual([
      ['ip', 'link', 'set', 'dev', 'lo', 'up'],
      ['ip', 'link', 'set', 'dev', 'eth0', 'mtu', '1420'],
      ['ip', 'link', 'set', 'dev', 'eth0', 'address', '02:cb:0a:12:00:02'],
      ['ip', 'addr', 'add', '10.18.0.2/32', 'dev', 'eth0'],
      ['ip', 'addr', 'add', '10.30.0.10/32', 'dev', 'eth0'],
      ['ip', 'link', 'set', 'dev', 'eth0', 'up'],
      [
        'ip',
        'route',
        'replace',
        'default',
        'via',
        '10.18.0.1',
        'dev',
        'eth0',
        'onlink',
        'src',
        '10.18.0.2',
      ],
    ]);
  });

  it('does nothing when the namespace already matches (idempotent attach)', () => {
    const plan = planInstanceSide(
      testInstance(),
      {
        eth0: eth0({
          mac: '02:cb:0a:12:00:02',
          addresses: [
            { family: 'inet', address: '10.18.0.2', prefix: 32 },
            { family: 'inet', address: '10.30.0.10', prefix: 32 },
            { family: 'inet6', address: 'fe80::1', prefix: 64 },
          ],
        }),
        routes: [
          { dst: 'default', gateway: '10.18.0.1', dev: 'eth0', prefsrc: '10.18.0.2', onlink: true },
        ],
      },
      context,
    );
    expect(plan).toEqual([]);
  });

  it('replaces a changed address and re-sets the default route with it', () => {
    const plan = planInstanceSide(
      testInstance({ instanceIp: undefined }),
      {
        eth0: eth0({
          mac: '02:cb:0a:12:00:02',
          addresses: [{ family: 'inet', address: '10.18.0.9', prefix: 26 }],
        }),
        routes: [
          { dst: 'default', gateway: '10.18.0.1', dev: 'eth0', prefsrc: '10.18.0.9', onlink: true },
        ],
      },
      context,
    );
    expect(plan).toEqual([
      ['ip', 'addr', 'del', '10.18.0.9/26', 'dev', 'eth0'],
      ['ip', 'addr', 'add', '10.18.0.2/32', 'dev', 'eth0'],
      [
        'ip',
        'route',
        'replace',
        'default',
        'via',
        '10.18.0.1',
        'dev',
        'eth0',
        'onlink',
        'src',
        '10.18.0.2',
      ],
    ]);
  });

  it('puts the host end on the bridge, tagged, with the tunnel MTU', () => {
    const host: ObservedLink = {
      name: 'cnpv0123456789',
      index: 7,
      kind: 'veth',
      peerIndex: 2,
      mtu: 1500,
      up: false,
      addresses: [],
    };
    expect(planHostSide(host, testConfig(), 1420)).toEqual([
      ['ip', 'link', 'set', 'dev', 'cnpv0123456789', 'alias', 'canopy'],
      ['ip', 'link', 'set', 'dev', 'cnpv0123456789', 'mtu', '1420'],
      ['ip', 'link', 'set', 'dev', 'cnpv0123456789', 'master', 'canopy0'],
      ['ip', 'link', 'set', 'dev', 'cnpv0123456789', 'up'],
    ]);
    expect(
      planHostSide(
        { ...host, alias: 'canopy', mtu: 1420, master: 'canopy0', up: true },
        testConfig(),
        1420,
      ),
    ).toEqual([]);
  });

  it('recognises the two ends of one veth by their cross-referenced indexes', () => {
    const host: ObservedLink = {
      name: 'h',
      index: 7,
      kind: 'veth',
      peerIndex: 2,
      mtu: 1420,
      up: true,
      addresses: [],
    };
    expect(isVethPair(host, eth0())).toBe(true);
    expect(isVethPair(host, eth0({ peerIndex: 8 }))).toBe(false);
    expect(isVethPair({ ...host, peerIndex: 3 }, eth0())).toBe(false);
  });
});
