import {
  addressAt,
  bridgeMac,
  cidrContains,
  cidrsOverlap,
  gatewayOf,
  instanceMac,
  parseCidr,
  vtepMac,
  type Ipv4Cidr,
} from './ipv4-cidr';

function cidr(text: string): Ipv4Cidr {
  const parsed = parseCidr(text);
  if (parsed === null) throw new Error(`bad test prefix ${text}`);
  return parsed;
}

describe('ipv4 prefixes', () => {
  it('parses a worker subnet and refuses host bits or malformed text', () => {
    expect(parseCidr('10.18.0.64/26')).toEqual({
      network: 0x0a120040,
      prefix: 26,
      text: '10.18.0.64/26',
    });
    expect(parseCidr('10.18.0.65/26')).toBeNull();
    expect(parseCidr('10.18.0.64')).toBeNull();
    expect(parseCidr('10.18.0.300/26')).toBeNull();
    expect(parseCidr('10.18.0.0/33')).toBeNull();
  });

  it('computes membership, overlap, gateway and offsets', () => {
    const subnet = cidr('10.18.0.64/26');
    expect(cidrContains(subnet, '10.18.0.64')).toBe(true);
    expect(cidrContains(subnet, '10.18.0.127')).toBe(true);
    expect(cidrContains(subnet, '10.18.0.128')).toBe(false);
    expect(gatewayOf(subnet)).toBe('10.18.0.65');
    expect(addressAt(subnet, 63)).toBe('10.18.0.127');
    expect(() => addressAt(subnet, 64)).toThrow(RangeError);
    expect(cidrsOverlap(subnet, cidr('10.18.0.0/16'))).toBe(true);
    expect(cidrsOverlap(subnet, cidr('10.18.0.0/26'))).toBe(false);
  });

  it('derives a unique locally administered VTEP MAC from the subnet', () => {
    expect(vtepMac(cidr('10.18.0.64/26'))).toBe('02:ca:0a:12:00:40');
    expect(vtepMac(cidr('10.18.1.0/26'))).toBe('02:ca:0a:12:01:00');
  });

  it('derives stable instance and bridge MACs, so re-created links keep them', () => {
    expect(instanceMac('10.18.0.66')).toBe('02:cb:0a:12:00:42');
    expect(bridgeMac(cidr('10.18.0.64/26'))).toBe('02:cc:0a:12:00:41');
  });
});
