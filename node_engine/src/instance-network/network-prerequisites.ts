import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { TunnelBackend } from '@canopy/contracts';

/** What `network.enabled: "auto"` looks at on this host. */
export interface HostProbe {
  isRoot(): boolean;
  /** An executable of that name on PATH. */
  hasCommand(name: string): Promise<boolean>;
  hasPath(path: string): Promise<boolean>;
  /** Whether the command exits 0. */
  succeeds(argv: string[]): Promise<boolean>;
}

/**
 * What this host lacks for the worker data plane with `backend`, as readable items; empty when
 * nothing is missing. WireGuard needs the kernel module (loaded, or loadable: `modinfo` knows it)
 * or wireguard-go with /dev/net/tun.
 */
export async function missingForDataPlane(
  backend: TunnelBackend,
  probe: HostProbe,
): Promise<string[]> {
  const missing: string[] = [];
  if (!probe.isRoot()) missing.push('root privileges');
  for (const [command, pkg] of [
    ['ip', 'iproute2'],
    ['nft', 'nftables'],
  ] as const) {
    if (!(await probe.hasCommand(command))) missing.push(`${command} (${pkg})`);
  }
  if (backend === TunnelBackend.WIREGUARD) {
    if (!(await probe.hasCommand('wg'))) missing.push('wg (wireguard-tools)');
    const kernel =
      (await probe.hasPath('/sys/module/wireguard')) ||
      (await probe.succeeds(['modinfo', 'wireguard']));
    const userspace =
      (await probe.hasCommand('wireguard-go')) && (await probe.hasPath('/dev/net/tun'));
    if (!kernel && !userspace) {
      missing.push('the WireGuard kernel module, or wireguard-go with /dev/net/tun');
    }
  }
  return missing;
}

/** The real host. */
export const hostProbe: HostProbe = {
  isRoot: () => process.getuid?.() === 0,
  async hasCommand(name) {
    for (const dir of (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter)) {
      if (dir !== '' && (await executable(join(dir, name)))) return true;
    }
    return false;
  },
  async hasPath(path) {
    return access(path, constants.F_OK).then(
      () => true,
      () => false,
    );
  },
  succeeds(argv) {
    return new Promise((resolve) =>
      execFile(argv[0] ?? '', argv.slice(1), { timeout: 5_000 }, (error) => resolve(!error)),
    );
  },
};

function executable(path: string): Promise<boolean> {
  return access(path, constants.X_OK).then(
    () => true,
    () => false,
  );
}
