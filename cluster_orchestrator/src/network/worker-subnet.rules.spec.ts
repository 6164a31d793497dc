import { parseSubnetPool, subnetAt, subnetCount, type SubnetPool } from './worker-subnet.rules';

describe('worker subnets', () => {
  const pool = parseSubnetPool('10.18.0.0/16', 26) as SubnetPool;

  it("cuts Oakestra's pool into /26 steps from 10.18.0.0", () => {
    expect(subnetCount(pool)).toBe(1024);
    expect(subnetAt(pool, 0)).toBe('10.18.0.0/26');
    expect(subnetAt(pool, 1)).toBe('10.18.0.64/26');
    expect(subnetAt(pool, 4)).toBe('10.18.1.0/26');
    expect(subnetAt(pool, 1023)).toBe('10.18.255.192/26');
    expect(() => subnetAt(pool, 1024)).toThrow(RangeError);
  });

  it.each([
    ['10.18.0.0', 26, 'IPv4 CIDR'],
    ['10.18.0.1/16', 26, 'host bits'],
    ['10.18.0.0/16', 12, 'between /16 and /30'],
    ['10.18.0.0/16', 31, 'between /16 and /30'],
    ['fc00::/7', 120, 'IPv4 CIDR'],
  ])('refuses %s with /%d', (cidr, prefix, message) => {
    expect(parseSubnetPool(cidr, prefix)).toEqual(expect.stringContaining(message));
  });
});
