import { peerAddress, registrationProblem } from './cluster-registration.rules';

describe('cluster registration rules', () => {
  const ok = {
    cluster_name: 'cluster-1',
    cluster_location: '48.1,11.5,50',
    manager_port: 10100,
    network_component_port: 0,
  };

  it('accepts a well-formed request, also without location', () => {
    expect(registrationProblem(ok)).toBeUndefined();
    expect(registrationProblem({ ...ok, cluster_location: '' })).toBeUndefined();
  });

  it.each([
    [{ cluster_name: '' }, 'cluster_name'],
    [{ cluster_name: 'a b' }, 'cluster_name'],
    [{ cluster_name: '-x' }, 'cluster_name'],
    [{ cluster_name: 'x'.repeat(65) }, 'cluster_name'],
    [{ cluster_location: 'nowhere' }, 'cluster_location must look like "lat,long,radius"'],
    [{ cluster_location: '91,0,5' }, 'latitude'],
    [{ manager_port: 70000 }, 'manager_port'],
    [{ network_component_port: -1 }, 'network_component_port'],
  ])('refuses %j', (change, message) => {
    expect(registrationProblem({ ...ok, ...change })).toContain(message);
  });

  it.each([
    ['ipv4:10.0.0.7:51234', '10.0.0.7'],
    ['10.0.0.7:51234', '10.0.0.7'],
    ['ipv6:[::1]:51234', '::1'],
    ['[::ffff:192.168.1.9]:4000', '192.168.1.9'],
    ['ipv6:[2001:db8::1]:1', '2001:db8::1'],
    ['', ''],
    [undefined, ''],
  ])('peer %p → %p', (peer, address) => {
    expect(peerAddress(peer)).toBe(address);
  });
});
