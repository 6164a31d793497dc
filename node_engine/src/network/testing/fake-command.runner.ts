import {
  CommandRunner,
  type CommandResult,
  type ProcessInfo,
  type RunOptions,
} from '../command.runner';

interface FakeLink {
  ifname: string;
  ifindex: number;
  mtu: number;
  flags: string[];
  ifalias?: string;
  linkinfo: { info_kind: string };
}

/**
 * A scripted stand-in for CommandRunner that simulates just enough of `ip` and `wg` for the
 * WireGuard backend: links, a kernel module that may be missing, wireguard-go processes.
 */
export class FakeCommandRunner extends CommandRunner {
  readonly calls: { argv: string[]; input?: string }[] = [];
  readonly links = new Map<string, FakeLink>();
  /** Interfaces whose wireguard-go answers on its socket. */
  readonly sockets = new Set<string>();
  readonly alive = new Map<number, string[]>();
  kernelWireguard = false;
  private nextPid = 1000;
  private nextIndex = 10;

  constructor() {
    super();
  }

  override async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    this.calls.push({
      argv: [...argv],
      ...(options.input !== undefined ? { input: options.input } : {}),
    });
    const ok = (stdout = ''): CommandResult => ({ code: 0, stdout, stderr: '' });
    const fail = (stderr: string, code = 1): CommandResult => {
      if (options.check === false) return { code, stdout: '', stderr };
      throw new Error(stderr);
    };
    const [tool, ...rest] = argv;
    const a = rest.join(' ');
    let m: RegExpMatchArray | null;
    if (tool === 'ip' && (m = a.match(/^-j -d addr show dev (\S+)$/))) {
      const link = this.links.get(m[1] ?? '');
      return link ? ok(JSON.stringify([link])) : fail(`Device "${m[1]}" does not exist.`);
    }
    if (tool === 'ip' && (m = a.match(/^link add dev (\S+) type wireguard$/))) {
      if (!this.kernelWireguard) return fail('Error: Unknown device type.', 2);
      this.addLink(m[1] ?? '', 'wireguard');
      return ok();
    }
    if (tool === 'ip' && (m = a.match(/^link del dev (\S+)$/))) {
      const name = m[1] ?? '';
      if (!this.links.delete(name)) return fail('Cannot find device');
      this.sockets.delete(name);
      for (const [pid, args] of this.alive) if (args.includes(name)) this.alive.delete(pid);
      return ok();
    }
    if (tool === 'ip' && (m = a.match(/^link set dev (\S+) (alias|mtu|up)\s?(\S*)$/))) {
      const link = this.links.get(m[1] ?? '');
      if (!link) return fail('Cannot find device');
      if (m[2] === 'alias') link.ifalias = m[3] ?? '';
      if (m[2] === 'mtu') link.mtu = Number(m[3]);
      if (m[2] === 'up') link.flags = ['UP'];
      return ok();
    }
    if (tool === 'wg' && (m = a.match(/^show (\S+) listen-port$/))) {
      return this.sockets.has(m[1] ?? '') ||
        this.links.get(m[1] ?? '')?.linkinfo.info_kind === 'wireguard'
        ? ok('50103\n')
        : fail('Unable to access interface: No such file or directory');
    }
    if (tool === 'sh' && rest[1]?.includes('wg syncconf')) return ok();
    return fail(`FakeCommandRunner: unexpected ${argv.join(' ')}`, 127);
  }

  addLink(name: string, kind: string, alias?: string): void {
    this.links.set(name, {
      ifname: name,
      ifindex: this.nextIndex++,
      mtu: kind === 'tun' ? 1420 : 1420,
      flags: [],
      ...(alias !== undefined ? { ifalias: alias } : {}),
      linkinfo: { info_kind: kind },
    });
  }

  override spawnDetached(argv: readonly string[]): number {
    const pid = this.nextPid++;
    this.calls.push({ argv: ['<spawn>', ...argv] });
    const name = argv[argv.length - 1] ?? '';
    this.alive.set(pid, [...argv]);
    this.addLink(name, 'tun');
    this.sockets.add(name);
    return pid;
  }

  override isAlive(pid: number): boolean {
    return this.alive.has(pid);
  }

  override signal(pid: number): boolean {
    return this.alive.delete(pid);
  }

  override async processes(): Promise<ProcessInfo[]> {
    return [...this.alive].map(([pid, argv]) => ({ pid, argv }));
  }

  override async fileExists(): Promise<boolean> {
    return false;
  }

  override async sleep(): Promise<void> {
    await Promise.resolve();
  }

  commands(): string[] {
    return this.calls.map((c) => c.argv.join(' '));
  }
}
