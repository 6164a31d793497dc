import { canonicalIp, formatIp, parseIp } from './ip-address';

describe(parseIp.name, () => {
  it.each([
    ['0.0.0.0', 0n],
    ['10.30.0.1', 0x0a1e0001n],
    ['255.255.255.255', 0xffffffffn],
  ])('parses IPv4 %s', (text, value) => {
    expect(parseIp(text)).toEqual({ family: 4, value });
  });

  it.each([
    ['::', 0n],
    ['::1', 1n],
    ['fdff:2000::30', 0xfdff2000000000000000000000000030n],
    ['FDFF:2000:0:0:0:0:0:30', 0xfdff2000000000000000000000000030n],
    ['1::', 1n << 112n],
    ['1:2:3:4:5:6:7:8', 0x00010002000300040005000600070008n],
    ['::ffff:10.30.0.1', 0xffff0a1e0001n],
    ['64:ff9b::1.2.3.4', 0x0064ff9b000000000000000001020304n],
  ])('parses IPv6 %s', (text, value) => {
    expect(parseIp(text)).toEqual({ family: 6, value });
  });

  it.each([
    '',
    '10.30.0',
    '10.30.0.1.2',
    '10.30.0.256',
    '10.30.00.1',
    '010.30.0.1',
    '10.30.0.-1',
    ' 10.30.0.1',
    '10.30.0.1/32',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4:5:6:7',
    '1::2::3',
    ':1',
    '1:',
    '1:::2',
    '12345::',
    'g::',
    '::ffff:10.30.0.256',
    '1:2:3:4:5:6:7::8',
    'fe80::1%eth0',
  ])('refuses %j', (text) => {
    expect(parseIp(text)).toBeNull();
  });
});

describe(formatIp.name, () => {
  it('formats IPv4 as a dotted quad', () => {
    expect(formatIp({ family: 4, value: 0x0a1e0001n })).toBe('10.30.0.1');
  });

  it.each([
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['FDFF:2000:0:0:0:0:0:30', 'fdff:2000::30'],
    // One zero group is not compressed; the longest run is; the first run on a tie.
    ['1:0:2:3:4:5:6:7', '1:0:2:3:4:5:6:7'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['1:0:0:2:3:0:0:4', '1::2:3:0:0:4'],
    ['1:2:3:4:5:6:7:0', '1:2:3:4:5:6:7:0'],
    ['1:2:3:4:5:6:0:0', '1:2:3:4:5:6::'],
  ])('canonicalizes %s as %s (RFC 5952)', (text, canonical) => {
    expect(canonicalIp(text)).toBe(canonical);
  });

  it('round-trips', () => {
    for (const text of ['10.30.255.254', 'fdff:2000::30', '::ffff:a1e:1', '1:2:3:4:5:6:7:8']) {
      expect(canonicalIp(canonicalIp(text) ?? '')).toBe(canonicalIp(text));
    }
  });

  it('gives one spelling to different spellings of one address', () => {
    expect(canonicalIp('fdff:2000:0::30')).toBe(canonicalIp('FDFF:2000::0:30'));
  });
});
