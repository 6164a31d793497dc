import { wrapInNetns } from './command.runner';
import {
  DEFAULT_NET_MANAGER_CONFIG,
  instanceMtu,
  resolveNetManagerConfig,
} from './net-manager.config';

describe('net manager config', () => {
  it("defaults to Oakestra's spaces and port: wireguard on UDP 50103, service pool 10.30.0.0/16", () => {
    const config = resolveNetManagerConfig();
    expect(config).toEqual(DEFAULT_NET_MANAGER_CONFIG);
    expect(config.tunnel.port).toBe(50103);
    expect(config.servicePool).toBe('10.30.0.0/16');
    expect(instanceMtu(config)).toBe(1420);
    expect(instanceMtu(resolveNetManagerConfig({ tunnel: { backend: 'vxlan' } }))).toBe(1450);
  });

  it('lists every invalid field at once', () => {
    expect(() =>
      resolveNetManagerConfig({
        bridge: 'a-much-too-long-name',
        linkPrefix: 'toolong',
        tunnel: { port: 0, wireguardInterface: 'cnp-vx0' },
      }),
    ).toThrow(
      /bridge: "a-much-too-long-name" is not a valid interface name[\s\S]*distinct names[\s\S]*linkPrefix[\s\S]*tunnel.port/,
    );
  });
});

describe('command runner namespace entry', () => {
  it('runs inside a named namespace or a /proc path via nsenter, or directly', () => {
    expect(wrapInNetns(['ip', 'link'], 'cnp-a')).toEqual([
      'nsenter',
      '--net=/run/netns/cnp-a',
      '--',
      'ip',
      'link',
    ]);
    expect(wrapInNetns(['ip', 'link'], '/proc/42/ns/net')).toEqual([
      'nsenter',
      '--net=/proc/42/ns/net',
      '--',
      'ip',
      'link',
    ]);
    expect(wrapInNetns(['ip', 'link'], null)).toEqual(['ip', 'link']);
  });
});
