import { parseCidr } from '../network';
import { MissDeduper, parseTableMiss } from './nft-trace.parser';

const pool = parseCidr('10.30.0.0/16') ?? (undefined as never);
// As printed by `nft monitor trace` (nftables 1.0.6).
const PACKET =
  'trace id 21abb5d9 inet canopy forward packet: iif "cnpv1234" oif "eth0" ether saddr 02:cb:0a:12:00:42 ' +
  'ip saddr 10.18.0.66 ip daddr 10.30.0.7 ip dscp cs0 ip ecn not-ect ip ttl 63 ip id 1 ip protocol tcp ' +
  'ip length 60 tcp sport 40000 tcp dport 80 tcp flags == syn tcp window 64240 ';

describe('parseTableMiss', () => {
  it("takes the destination of our table's packet line", () => {
    expect(parseTableMiss(PACKET, 'canopy', pool)).toBe('10.30.0.7');
    expect(
      parseTableMiss(
        'trace id 31fcf10d inet canopy filter_output packet: oif "eth0" ip saddr 192.0.2.2 ip daddr 10.30.4.1 tcp dport 80',
        'canopy',
        pool,
      ),
    ).toBe('10.30.4.1');
  });

  it('ignores rule lines, other tables, other families and addresses outside the pool', () => {
    const ignored = [
      'trace id 21abb5d9 inet canopy forward rule ip daddr 10.30.0.0/16 limit rate 20/second burst 20 packets meta nftrace set 1 (verdict continue)',
      'trace id 21abb5d9 inet canopy forward rule ip daddr 10.30.0.0/16 drop (verdict drop)',
      PACKET.replace('inet canopy ', 'inet canopy_other '),
      PACKET.replace('inet canopy ', 'ip canopy '),
      PACKET.replace('10.30.0.7', '10.31.0.7'),
      PACKET.replace('10.30.0.7', '10.30.0.300'),
      PACKET.replace('ip daddr 10.30.0.7', 'ip6 daddr fdff::1'),
      'trace id zz inet canopy forward packet: ip daddr 10.30.0.7',
      '',
      'garbage',
      `trace id 1 inet canopy forward packet: ${'x'.repeat(5000)} ip daddr 10.30.0.7`,
    ];
    for (const line of ignored) expect(parseTableMiss(line, 'canopy', pool)).toBeUndefined();
  });
});

describe('MissDeduper', () => {
  it('accepts an address once per window', () => {
    const d = new MissDeduper(1000);
    expect(d.accept('10.30.0.7', 0)).toBe(true);
    expect(d.accept('10.30.0.7', 999)).toBe(false);
    expect(d.accept('10.30.0.8', 999)).toBe(true);
    expect(d.accept('10.30.0.7', 1000)).toBe(true);
  });

  it('stays bounded', () => {
    const d = new MissDeduper(1000, 2);
    d.accept('a', 0);
    d.accept('b', 0);
    expect(d.accept('c', 10)).toBe(true); // full of fresh entries: reset rather than grow
    expect(d.accept('c', 20)).toBe(false);
  });
});
