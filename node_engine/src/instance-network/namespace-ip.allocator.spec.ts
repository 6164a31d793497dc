import { NamespaceIpAllocator } from './namespace-ip.allocator';

describe(NamespaceIpAllocator.name, () => {
  it('hands out addresses of the subnet, never network, gateway or broadcast', () => {
    const a = new NamespaceIpAllocator('10.18.0.64/29'); // .64 net, .65 bridge, .71 broadcast
    expect(a.capacity).toBe(5);
    const ips = ['a', 'b', 'c', 'd', 'e'].map((k) => a.allocate(`job#${k}`));
    expect(new Set(ips)).toEqual(
      new Set(['10.18.0.66', '10.18.0.67', '10.18.0.68', '10.18.0.69', '10.18.0.70']),
    );
    expect(() => a.allocate('job#f')).toThrow(/no free namespace IP left in 10\.18\.0\.64\/29/);
  });

  it('is deterministic: the same key gets the same address in a fresh allocator', () => {
    const first = new NamespaceIpAllocator('10.18.0.0/24').allocate('app.web#3');
    const again = new NamespaceIpAllocator('10.18.0.0/24').allocate('app.web#3');
    expect(again).toBe(first);
  });

  it('keeps an address per key until it is released', () => {
    const a = new NamespaceIpAllocator('10.18.0.0/26');
    const ip = a.allocate('x#0');
    expect(a.allocate('x#0')).toBe(ip);
    expect(a.get('x#0')).toBe(ip);
    expect(a.release('x#0')).toBe(true);
    expect(a.release('x#0')).toBe(false);
    expect(a.get('x#0')).toBeUndefined();
  });

  it('restores persisted entries and drops ones that do not fit the subnet or collide', () => {
    const a = new NamespaceIpAllocator('10.18.0.0/26', {
      'a#0': '10.18.0.9',
      'b#0': '10.18.0.1', // the gateway
      'c#0': '10.18.0.63', // broadcast
      'd#0': '10.19.0.5', // another subnet
      'e#0': '10.18.0.9', // taken by a#0
      'f#0': 'nonsense',
    });
    expect(a.entries()).toEqual({ 'a#0': '10.18.0.9' });
    expect(a.allocate('a#0')).toBe('10.18.0.9');
    const other = a.allocate('e#0');
    expect(other).not.toBe('10.18.0.9');
    expect(a.isUsable(other)).toBe(true);
  });

  it('a collision probes to the next free address', () => {
    const a = new NamespaceIpAllocator('10.18.0.64/30'); // one usable: .66
    expect(a.capacity).toBe(1);
    expect(a.allocate('only#1')).toBe('10.18.0.66');
    expect(() => a.allocate('second#1')).toThrow(/no free/);
    a.release('only#1');
    expect(a.allocate('second#1')).toBe('10.18.0.66');
  });

  it.each(['10.18.0.65/26', '10.18.0.0', '10.18.0.0/33', '10.18.0.0/31', '10.18.0.0/32'])(
    'refuses the subnet %s',
    (subnet) => {
      expect(() => new NamespaceIpAllocator(subnet)).toThrow(/subnet/);
    },
  );
});
