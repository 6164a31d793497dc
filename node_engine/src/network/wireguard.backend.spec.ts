import { FakeCommandRunner } from './testing/fake-command.runner';
import { TEST_KEYS, testConfig, testState } from './testing/net-fixtures';
import { WireguardBackend } from './wireguard.backend';

function fail(): never {
  throw new Error('the fake did not create the link');
}

describe('WireGuard backend (scripted runner)', () => {
  it('falls back to wireguard-go when the kernel has no WireGuard, and decides that only once', async () => {
    const runner = new FakeCommandRunner();
    const backend = new WireguardBackend(runner, testConfig());
    const changes = await backend.ensure(testState());
    expect(changes).toEqual(['created cnp-wg0 (userspace WireGuard)']);
    expect(backend.detectedImplementation).toBe('userspace');
    expect(runner.commands()).toContain('<spawn> wireguard-go -f cnp-wg0');
    const sync = runner.calls.find((c) => c.argv.join(' ').includes('wg syncconf'));
    expect(sync?.argv).toEqual(['sh', '-c', 'cat | wg syncconf "$1" /dev/stdin', 'sh', 'cnp-wg0']);
    expect(sync?.input).toContain(`PrivateKey = ${TEST_KEYS.a.privateKey}`);
    expect(sync?.input).toContain('AllowedIPs = 10.18.0.64/26');
    expect(runner.links.get('cnp-wg0')).toMatchObject({ ifalias: 'canopy', flags: ['UP'] });
    expect(backend.runningPids).toHaveLength(1);

    await backend.remove();
    expect(runner.alive.size).toBe(0);
    runner.calls.length = 0;
    await backend.ensure(testState());
    expect(runner.commands().some((c) => c.includes('type wireguard'))).toBe(false);
    expect(runner.commands()).toContain('<spawn> wireguard-go -f cnp-wg0');
  });

  it('uses kernel WireGuard when `ip link add type wireguard` works', async () => {
    const runner = new FakeCommandRunner();
    runner.kernelWireguard = true;
    const backend = new WireguardBackend(runner, testConfig());
    expect(await backend.ensure(testState())).toEqual(['created cnp-wg0 (kernel WireGuard)']);
    expect(runner.commands().some((c) => c.startsWith('<spawn>'))).toBe(false);
  });

  it('adopts a running wireguard-go after an agent crash instead of starting a second one', async () => {
    const runner = new FakeCommandRunner();
    runner.spawnDetached(['wireguard-go', '-f', 'cnp-wg0']); // left by the previous agent
    runner.links.set('cnp-wg0', { ...(runner.links.get('cnp-wg0') ?? fail()), ifalias: 'canopy' });
    runner.calls.length = 0;
    const backend = new WireguardBackend(runner, testConfig());
    expect(await backend.ensure(testState())).toEqual([]);
    expect(backend.detectedImplementation).toBe('userspace');
    expect(runner.commands().some((c) => c.startsWith('<spawn>') || c.includes('link add'))).toBe(
      false,
    );
    // cleanup finds it by its exact argv although this object did not start it
    expect(await backend.leftoverPids()).toEqual([1000]);
    await backend.remove();
    expect(runner.alive.size).toBe(0);
  });

  it('replaces a TUN whose wireguard-go no longer answers', async () => {
    const runner = new FakeCommandRunner();
    runner.addLink('cnp-wg0', 'tun', 'canopy');
    const backend = new WireguardBackend(runner, testConfig());
    const changes = await backend.ensure(testState());
    expect(changes).toEqual([
      'removed unusable cnp-wg0 (tun)',
      'created cnp-wg0 (userspace WireGuard)',
    ]);
  });

  it("refuses to touch an interface with our name that is not Canopy's", async () => {
    const runner = new FakeCommandRunner();
    runner.addLink('cnp-wg0', 'wireguard', 'someone-else');
    await expect(new WireguardBackend(runner, testConfig()).ensure(testState())).rejects.toThrow(
      /not Canopy's/,
    );
  });

  it('fails clearly when kernel WireGuard is required but missing', async () => {
    const runner = new FakeCommandRunner();
    const backend = new WireguardBackend(
      runner,
      testConfig({ tunnel: { implementation: 'kernel' } }),
    );
    await expect(backend.ensure(testState())).rejects.toThrow(
      /kernel WireGuard is not available: Error: Unknown device type/,
    );
  });
});
