import { TunnelBackend } from '@canopy/contracts';
import { type HostProbe, missingForDataPlane } from './network-prerequisites';

/** A host with exactly these commands and paths; `modinfo wireguard` succeeds when `modinfo` is there and the module is known. */
function host(
  options: { root?: boolean; commands?: string[]; paths?: string[]; moduleKnown?: boolean } = {},
): HostProbe {
  const commands = new Set(options.commands ?? ['ip', 'nft', 'wg', 'wireguard-go']);
  const paths = new Set(options.paths ?? ['/dev/net/tun']);
  return {
    isRoot: () => options.root ?? true,
    hasCommand: async (name) => commands.has(name),
    hasPath: async (path) => paths.has(path),
    succeeds: async (argv) =>
      argv.join(' ') === 'modinfo wireguard' &&
      commands.has('modinfo') &&
      options.moduleKnown === true,
  };
}

describe('missingForDataPlane', () => {
  it('finds nothing missing on a host with the tools and wireguard-go', async () => {
    expect(await missingForDataPlane(TunnelBackend.WIREGUARD, host())).toEqual([]);
  });

  it('accepts the kernel module, loaded or loadable, instead of wireguard-go', async () => {
    const base = { commands: ['ip', 'nft', 'wg', 'modinfo'], paths: [] as string[] };
    expect(
      await missingForDataPlane(
        TunnelBackend.WIREGUARD,
        host({ ...base, paths: ['/sys/module/wireguard'] }),
      ),
    ).toEqual([]);
    expect(
      await missingForDataPlane(TunnelBackend.WIREGUARD, host({ ...base, moduleKnown: true })),
    ).toEqual([]);
    expect(await missingForDataPlane(TunnelBackend.WIREGUARD, host(base))).toEqual([
      'the WireGuard kernel module, or wireguard-go with /dev/net/tun',
    ]);
  });

  it('names every missing piece, with its Debian package', async () => {
    expect(
      await missingForDataPlane(
        TunnelBackend.WIREGUARD,
        host({ root: false, commands: [], paths: [] }),
      ),
    ).toEqual([
      'root privileges',
      'ip (iproute2)',
      'nft (nftables)',
      'wg (wireguard-tools)',
      'the WireGuard kernel module, or wireguard-go with /dev/net/tun',
    ]);
  });

  it('needs no WireGuard for the vxlan backend', async () => {
    expect(
      await missingForDataPlane(TunnelBackend.VXLAN, host({ commands: ['ip', 'nft'], paths: [] })),
    ).toEqual([]);
  });
});
