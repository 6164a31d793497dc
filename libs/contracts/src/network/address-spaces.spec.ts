import { AddressSpace, ipv4ToNumber, numberToIpv4 } from './address-spaces';
import { isIpv4InCidr } from './ipv4-range';
import { DefaultPort } from './default-ports';

describe('defaults', () => {
  it("match Oakestra's", () => {
    expect(DefaultPort).toEqual({
      ROOT_HTTP: 10000,
      ROOT_GRPC: 50052,
      CLUSTER_HTTP: 10100,
      MQTT: 10003,
      TUNNEL_UDP: 50103,
    });
    expect(AddressSpace.SERVICE_IP_POOL_V4).toBe('10.30.0.0/16');
    expect(AddressSpace.WORKER_SUBNET_BASE_V4).toBe('10.18.0.0');
    expect(AddressSpace.WORKER_SUBNET_PREFIX_V4).toBe(26);
  });
});

describe('IPv4 helpers', () => {
  it('converts both ways', () => {
    expect(ipv4ToNumber('10.30.0.1')).toBe(0x0a1e0001);
    expect(numberToIpv4(0x0a1e0001)).toBe('10.30.0.1');
    expect(numberToIpv4(0xffffffff)).toBe('255.255.255.255');
    expect(() => numberToIpv4(2 ** 32)).toThrow(RangeError);
  });

  it.each(['256.0.0.1', '10.30.0', '10.30.0.01', 'a.b.c.d', '', '10.30.0.1 '])(
    'rejects %j',
    (ip) => {
      expect(ipv4ToNumber(ip)).toBeNull();
    },
  );

  it('checks pool membership', () => {
    expect(isIpv4InCidr('10.30.30.30', AddressSpace.SERVICE_IP_POOL_V4)).toBe(true);
    expect(isIpv4InCidr('10.31.0.1', AddressSpace.SERVICE_IP_POOL_V4)).toBe(false);
    expect(isIpv4InCidr('10.18.0.63', '10.18.0.0/26')).toBe(true);
    expect(isIpv4InCidr('10.18.0.64', '10.18.0.0/26')).toBe(false);
    expect(isIpv4InCidr('1.2.3.4', '0.0.0.0/0')).toBe(true);
    expect(isIpv4InCidr('10.30.0.1', '10.30.0.0/33')).toBe(false);
    expect(isIpv4InCidr('10.30.0.1', 'garbage')).toBe(false);
  });
});
