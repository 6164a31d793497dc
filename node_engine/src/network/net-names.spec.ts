import {
  IFNAME_MAX,
  instanceHash,
  instanceLinkName,
  isInstanceLinkName,
  isValidIfName,
  isValidLinkPrefix,
} from './net-names';

describe('interface naming', () => {
  it('derives a deterministic veth name of at most 15 characters from the instance key', () => {
    const name = instanceLinkName('cnp', 'shop.web.frontend.default#12');
    expect(name).toMatch(/^cnpv[0-9a-f]{10}$/);
    expect(name.length).toBeLessThanOrEqual(IFNAME_MAX);
    expect(instanceLinkName('cnp', 'shop.web.frontend.default#12')).toBe(name);
    expect(isValidIfName(name)).toBe(true);
  });

  it('gives different instances different names, whatever the key length', () => {
    const keys = Array.from({ length: 2000 }, (_, i) => `app-${'x'.repeat(i % 300)}.svc#${i}`);
    const names = new Set(keys.map((k) => instanceLinkName('cnp', k)));
    expect(names.size).toBe(keys.length);
    expect([...names].every((n) => n.length <= IFNAME_MAX)).toBe(true);
  });

  it('stays within IFNAMSIZ for the longest allowed prefix and refuses longer ones', () => {
    expect(instanceLinkName('abcd', 'k')).toHaveLength(15);
    expect(() => instanceLinkName('abcde', 'k')).toThrow(/invalid link prefix/);
    expect(isValidLinkPrefix('Cnp')).toBe(false);
    expect(isValidLinkPrefix('1cn')).toBe(false);
  });

  it('recognises only names it can produce (orphan detection)', () => {
    const name = instanceLinkName('cnp', 'a#1');
    expect(isInstanceLinkName('cnp', name)).toBe(true);
    expect(isInstanceLinkName('cnp', `${name}0`)).toBe(false);
    expect(isInstanceLinkName('cnp', 'cnpv0123456789x')).toBe(false);
    expect(isInstanceLinkName('cnq', name)).toBe(false);
    expect(isInstanceLinkName('cnp', 'canopy0')).toBe(false);
    expect(instanceHash('a#1')).toHaveLength(10);
  });

  it('validates interface names like the kernel (length, characters)', () => {
    expect(isValidIfName('cnp-wg0')).toBe(true);
    expect(isValidIfName('a'.repeat(16))).toBe(false);
    expect(isValidIfName('has space')).toBe(false);
    expect(isValidIfName('a/b')).toBe(false);
    expect(isValidIfName('..')).toBe(false);
  });
});
