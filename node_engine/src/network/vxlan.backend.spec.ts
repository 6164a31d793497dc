import type { ObservedLink } from './ip-json.parser';
import { testConfig, testState } from './testing/net-fixtures';
import { vxlanMatches, vxlanPeerEntries } from './vxlan.backend';

describe('vxlan peer model', () => {
  it('derives FDB and neighbour entries from peer subnet and endpoint only', () => {
    expect(
      vxlanPeerEntries([
        { id: 'b', subnet: '10.18.0.64/26', endpoint: '198.18.0.2' },
        { id: 'c', subnet: '10.18.0.128/26', endpoint: '198.18.0.3' },
      ]),
    ).toEqual({
      fdb: [
        { mac: '02:ca:0a:12:00:40', dst: '198.18.0.2' },
        { mac: '02:ca:0a:12:00:80', dst: '198.18.0.3' },
      ],
      neighbors: [
        { ip: '10.18.0.65', mac: '02:ca:0a:12:00:40' },
        { ip: '10.18.0.129', mac: '02:ca:0a:12:00:80' },
      ],
    });
  });

  it('recreates the device only when a creation-time parameter differs', () => {
    const config = testConfig({ tunnel: { backend: 'vxlan', vxlanId: 7 } });
    const link: ObservedLink = {
      name: 'cnp-vx0',
      index: 4,
      kind: 'vxlan',
      mtu: 1450,
      up: true,
      addresses: [],
      vxlan: { id: 7, local: '198.18.0.1', port: 50103, learning: false },
    };
    expect(vxlanMatches(link, config, testState().underlayAddress)).toBe(true);
    expect(vxlanMatches(link, config, '198.18.0.9')).toBe(false);
    expect(vxlanMatches({ ...link, vxlan: { ...link.vxlan, id: 8 } }, config, '198.18.0.1')).toBe(
      false,
    );
    expect(
      vxlanMatches({ ...link, vxlan: { ...link.vxlan, learning: true } }, config, '198.18.0.1'),
    ).toBe(false);
  });
});
