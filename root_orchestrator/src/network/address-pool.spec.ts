import {
  type AddressPool,
  candidatesAfter,
  checkRequestedAddress,
  formatPoolAddress,
  isUsable,
  parsePool,
  poolContains,
  poolOf,
  usableCount,
} from './address-pool';
import { parseIp } from './ip-address';

const ip = (text: string): bigint => {
  const parsed = parseIp(text);
  if (!parsed) throw new Error(text);
  return parsed.value;
};
const texts = (pool: AddressPool, values: bigint[]): string[] =>
  values.map((v) => formatPoolAddress(pool, v));

describe(parsePool.name, () => {
  it("parses Oakestra's default pool", () => {
    const pool = poolOf('10.30.0.0/16');
    expect(pool).toMatchObject({ cidr: '10.30.0.0/16', family: 4, prefix: 16 });
    expect(formatPoolAddress(pool, pool.firstUsable)).toBe('10.30.0.1');
    expect(formatPoolAddress(pool, pool.lastUsable)).toBe('10.30.255.254');
    expect(usableCount(pool)).toBe(65_534n);
  });

  it('canonicalizes IPv6 blocks and keeps all but the subnet-router address usable', () => {
    const pool = poolOf('FDFF:2000:0::/21');
    expect(pool.cidr).toBe('fdff:2000::/21');
    expect(usableCount(pool)).toBe((1n << 107n) - 1n);
    expect(formatPoolAddress(pool, pool.lastUsable)).toBe(
      'fdff:27ff:ffff:ffff:ffff:ffff:ffff:ffff',
    );
  });

  it.each([
    ['10.30.0.0', 'CIDR notation'],
    ['10.30.0.0/', 'CIDR notation'],
    ['10.30.0.0/16/1', 'CIDR notation'],
    ['10.30.0/16', 'CIDR notation'],
    ['ten/8', 'CIDR notation'],
    ['10.30.1.0/16', 'did you mean 10.30.0.0/16?'],
    ['10.30.0.0/31', 'at most /30'],
    ['10.30.0.0/33', 'at most /30'],
    ['fdff::/127', 'at most /126'],
    ['fdff::1/64', 'did you mean fdff::/64?'],
  ])('refuses %j (%s)', (cidr, reason) => {
    const parsed = parsePool(cidr);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(reason);
  });

  it('takes reserved addresses, which must lie in the pool and leave one usable', () => {
    const pool = poolOf('10.9.0.0/30', ['10.9.0.1']);
    expect(usableCount(pool)).toBe(1n);
    expect(isUsable(pool, ip('10.9.0.1'))).toBe(false);
    expect(isUsable(pool, ip('10.9.0.2'))).toBe(true);
    expect(parsePool('10.9.0.0/30', ['10.9.1.1'])).toMatchObject({ ok: false });
    expect(parsePool('10.9.0.0/30', ['fdff::1'])).toMatchObject({ ok: false });
    expect(parsePool('10.9.0.0/30', ['10.9.0.1', '10.9.0.2'])).toEqual({
      ok: false,
      reason: 'leaves no usable address (all reserved)',
    });
    expect(() => poolOf('10.9.0.0/30', ['10.9.0.1', '10.9.0.2'])).toThrow(RangeError);
  });
});

describe('membership', () => {
  const pool = poolOf('10.30.0.0/16');

  it('contains the whole block, network and broadcast included, and nothing else', () => {
    for (const text of ['10.30.0.0', '10.30.0.1', '10.30.255.255']) {
      expect(poolContains(pool, parseIp(text) ?? { family: 4, value: -1n })).toBe(true);
    }
    for (const text of ['10.29.255.255', '10.31.0.0']) {
      expect(poolContains(pool, parseIp(text) ?? { family: 4, value: -1n })).toBe(false);
    }
    expect(poolContains(pool, { family: 6, value: ip('10.30.0.1') })).toBe(false);
  });

  it('never hands out the network or broadcast address', () => {
    expect(isUsable(pool, ip('10.30.0.0'))).toBe(false);
    expect(isUsable(pool, ip('10.30.255.255'))).toBe(false);
    expect(isUsable(pool, ip('10.30.1.0'))).toBe(true); // inside a /16, .0 and .255 are hosts
    expect(isUsable(pool, ip('10.30.1.255'))).toBe(true);
  });
});

describe(candidatesAfter.name, () => {
  const tiny = poolOf('192.0.2.0/29'); // usable .1 .. .6

  it('starts at the first usable address when there is no cursor (the network address)', () => {
    expect(texts(tiny, candidatesAfter(tiny, tiny.network, 3))).toEqual([
      '192.0.2.1',
      '192.0.2.2',
      '192.0.2.3',
    ]);
  });

  it('continues after the cursor and wraps around, skipping network and broadcast', () => {
    expect(texts(tiny, candidatesAfter(tiny, ip('192.0.2.5'), 4))).toEqual([
      '192.0.2.6',
      '192.0.2.1',
      '192.0.2.2',
      '192.0.2.3',
    ]);
  });

  it('visits every other usable address once, stopping before the cursor itself', () => {
    const all = candidatesAfter(tiny, ip('192.0.2.3'), 100);
    expect(texts(tiny, all)).toEqual([
      '192.0.2.4',
      '192.0.2.5',
      '192.0.2.6',
      '192.0.2.1',
      '192.0.2.2',
    ]);
    expect(candidatesAfter(tiny, tiny.network, 100)).toHaveLength(6);
  });

  it('skips reserved addresses', () => {
    const pool = poolOf('192.0.2.0/29', ['192.0.2.2', '192.0.2.3']);
    expect(texts(pool, candidatesAfter(pool, pool.network, 10))).toEqual([
      '192.0.2.1',
      '192.0.2.4',
      '192.0.2.5',
      '192.0.2.6',
    ]);
  });

  it('walks huge IPv6 pools lazily', () => {
    const pool = poolOf('fdff:2000::/21');
    expect(texts(pool, candidatesAfter(pool, pool.network, 2))).toEqual([
      'fdff:2000::1',
      'fdff:2000::2',
    ]);
    expect(texts(pool, candidatesAfter(pool, pool.lastUsable, 1))).toEqual(['fdff:2000::1']);
  });
});

describe(checkRequestedAddress.name, () => {
  const pool = poolOf('10.30.0.0/16');

  it('accepts a usable address and canonicalizes it', () => {
    expect(checkRequestedAddress(pool, '10.30.30.30')).toMatchObject({
      ok: true,
      canonical: '10.30.30.30',
    });
  });

  it.each([
    ['10.31.0.1', 'must be inside the pool 10.30.0.0/16 (got 10.31.0.1)'],
    ['10.30.0.0', 'must not be the network address of 10.30.0.0/16'],
    ['10.30.255.255', 'must not be the broadcast address of 10.30.0.0/16'],
    ['fdff:2000::30', 'must be an IPv4 address (got fdff:2000::30)'],
    ['10.30.0.300', 'is not an IP address (got "10.30.0.300")'],
  ])('refuses %s: %s', (text, reason) => {
    expect(checkRequestedAddress(pool, text)).toEqual({ ok: false, reason });
  });

  it('refuses reserved addresses', () => {
    const reserved = poolOf('10.30.0.0/16', ['10.30.0.1']);
    expect(checkRequestedAddress(reserved, '10.30.0.1')).toEqual({
      ok: false,
      reason: '10.30.0.1 is reserved in 10.30.0.0/16',
    });
  });
});
