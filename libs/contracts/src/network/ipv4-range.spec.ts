import { ipv4RangeContains, ipv4RangesOverlap, parseIpv4Cidr } from './ipv4-range';

describe('parseIpv4Cidr', () => {
  it('covers the whole block, host bits ignored', () => {
    expect(parseIpv4Cidr('10.18.0.0/16')).toEqual({ first: 0x0a120000, last: 0x0a12ffff });
    expect(parseIpv4Cidr('10.18.3.7/24')).toEqual({ first: 0x0a120300, last: 0x0a1203ff });
    expect(parseIpv4Cidr('0.0.0.0/0')).toEqual({ first: 0, last: 0xffffffff });
    expect(parseIpv4Cidr('10.0.0.1/32')).toEqual({ first: 0x0a000001, last: 0x0a000001 });
  });

  it.each([
    '',
    '10.18.0.0',
    '10.18.0.0/33',
    '10.18.0/16',
    '300.1.1.1/8',
    'fd00::/8',
    '10.0.0.0/16/1',
    ' 10.0.0.0/8',
  ])('refuses %j', (text) => expect(parseIpv4Cidr(text)).toBeNull());
});

describe('ipv4RangesOverlap / ipv4RangeContains', () => {
  const pool = (t: string) => parseIpv4Cidr(t) ?? { first: -1, last: -2 };

  it('tells overlapping pools from disjoint ones', () => {
    expect(ipv4RangesOverlap(pool('10.18.0.0/16'), pool('10.18.128.0/17'))).toBe(true);
    expect(ipv4RangesOverlap(pool('10.18.0.0/16'), pool('10.19.0.0/16'))).toBe(false);
    expect(ipv4RangesOverlap(pool('10.0.0.0/8'), pool('10.200.0.0/16'))).toBe(true);
  });

  it('a subnet lies inside its pool, not inside another', () => {
    expect(ipv4RangeContains(pool('10.18.0.0/16'), pool('10.18.0.64/26'))).toBe(true);
    expect(ipv4RangeContains(pool('10.18.0.0/16'), pool('10.19.0.64/26'))).toBe(false);
    expect(ipv4RangeContains(pool('10.18.0.0/26'), pool('10.18.0.0/16'))).toBe(false);
  });
});
