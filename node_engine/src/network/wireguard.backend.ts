import type { CommandRunner } from './command.runner';
import { gatewayOf, parseCidr, type Ipv4Cidr } from './ipv4-cidr';
import { deleteLink, showLink, waitFor } from './ip-queries';
import type { RouteSpec } from './net-diff';
import { isTagged } from './net-diff';
import { TunnelBackendKind, type NetManagerConfig } from './net-manager.config';
import type { WorkerNetworkState } from './net-desired-state';
import type { TunnelBackend } from './tunnel.backend';
import { renderWireguardConfig } from './wireguard-config';

export interface WireguardKeyPair {
  privateKey: string;
  publicKey: string;
}

/** A new key pair from `wg genkey`/`wg pubkey`; the caller stores it (worker state file, mode 0600). */
export async function generateWireguardKeyPair(runner: CommandRunner): Promise<WireguardKeyPair> {
  const privateKey = (await runner.run(['wg', 'genkey'], { netns: null })).stdout.trim();
  return { privateKey, publicKey: await wireguardPublicKey(runner, privateKey) };
}

export async function wireguardPublicKey(
  runner: CommandRunner,
  privateKey: string,
): Promise<string> {
  return (
    await runner.run(['wg', 'pubkey'], { netns: null, input: `${privateKey}\n` })
  ).stdout.trim();
}

/** Userspace WireGuard's control socket; the path is global, hence unique interface names per host. */
export function wireguardSocketPath(name: string): string {
  return `/var/run/wireguard/${name}.sock`;
}

/** argv of the wireguard-go processes we start: exact, so a left-over one is recognised by it. */
export function wireguardGoArgv(config: NetManagerConfig): string[] {
  return [config.tunnel.wireguardGoBinary, '-f', config.tunnel.wireguardInterface];
}

/**
 * One WireGuard interface per worker. Kernel WireGuard when `ip link add type wireguard` works,
 * otherwise wireguard-go (decided at the first creation, then remembered). wireguard-go runs in
 * the foreground (`-f`) as a detached child so its pid is known; it exits by itself when its
 * interface is deleted. After an agent crash a running one is adopted (its socket answers) rather
 * than restarted, so established tunnels survive agent restarts.
 */
export class WireguardBackend implements TunnelBackend {
  readonly kind = TunnelBackendKind.WIREGUARD;
  private implementation: 'kernel' | 'userspace' | undefined;
  /** wireguard-go processes started by this object: pid → still running. */
  private readonly spawned = new Map<number, boolean>();

  constructor(
    private readonly runner: CommandRunner,
    private readonly config: NetManagerConfig,
  ) {
    if (config.tunnel.implementation !== 'auto') this.implementation = config.tunnel.implementation;
  }

  get interfaceName(): string {
    return this.config.tunnel.wireguardInterface;
  }

  /** Which implementation runs (undefined until the first interface was created). */
  get detectedImplementation(): 'kernel' | 'userspace' | undefined {
    return this.implementation;
  }

  /** Pids of wireguard-go processes this object started that are still running. */
  get runningPids(): number[] {
    return [...this.spawned].filter(([, running]) => running).map(([pid]) => pid);
  }

  async ensure(state: WorkerNetworkState): Promise<string[]> {
    const name = this.interfaceName;
    const changes: string[] = [];
    let link = await showLink(this.runner, name);
    if (link && !isTagged(link, this.config))
      throw new Error(`interface ${name} exists and is not Canopy's`);
    if (link) {
      const healthy =
        link.kind === 'wireguard' || (link.kind === 'tun' && (await this.socketAnswers()));
      if (!healthy) {
        await this.remove();
        changes.push(`removed unusable ${name} (${link.kind ?? 'unknown kind'})`);
        link = undefined;
      } else if (this.implementation === undefined) {
        this.implementation = link.kind === 'wireguard' ? 'kernel' : 'userspace';
      }
    }
    if (!link) {
      changes.push(`created ${name} (${await this.create()} WireGuard)`);
      link = await showLink(this.runner, name);
      if (!link) throw new Error(`${name} vanished right after creation`);
    }
    if (link.alias !== this.config.linkAlias) {
      await this.runner.run(['ip', 'link', 'set', 'dev', name, 'alias', this.config.linkAlias]);
    }
    if (link.mtu !== this.config.tunnel.wireguardMtu) {
      await this.runner.run([
        'ip',
        'link',
        'set',
        'dev',
        name,
        'mtu',
        String(this.config.tunnel.wireguardMtu),
      ]);
    }
    if (state.privateKey === undefined)
      throw new Error('the wireguard backend needs the worker private key');
    // syncconf applies only differences, keeps live sessions and drops unlisted peers. wg
    // fopen()s its file argument, which fails on the socket Node gives a child as stdin, so
    // `cat` moves the config (with the private key: never on disk) into a real pipe.
    await this.runner.run(['sh', '-c', 'cat | wg syncconf "$1" /dev/stdin', 'sh', name], {
      input: renderWireguardConfig({
        privateKey: state.privateKey,
        listenPort: this.config.tunnel.port,
        peerPort: this.config.tunnel.port,
        persistentKeepaliveSeconds: this.config.tunnel.persistentKeepaliveSeconds,
        peers: state.peers,
      }),
    });
    if (!link.up) await this.runner.run(['ip', 'link', 'set', 'dev', name, 'up']);
    return changes;
  }

  routes(state: WorkerNetworkState, subnet: Ipv4Cidr): RouteSpec[] {
    // src = our gateway: traffic the worker itself sends to a peer subnet gets an address the
    // peer can route back through the tunnel (not the underlay address).
    return state.peers.map((peer) => ({
      dst: parseCidr(peer.subnet)?.text ?? peer.subnet,
      dev: this.interfaceName,
      src: gatewayOf(subnet),
    }));
  }

  async remove(): Promise<string[]> {
    const name = this.interfaceName;
    const changes: string[] = [];
    const link = await showLink(this.runner, name);
    if (link && isTagged(link, this.config) && (await deleteLink(this.runner, name))) {
      changes.push(`removed ${name}`);
    }
    // wireguard-go exits when its TUN goes away; give it a moment, then end it by pid.
    const ours = async (): Promise<number[]> => [
      ...new Set([
        ...this.runningPids.filter((pid) => this.runner.isAlive(pid)),
        ...(await this.leftoverPids()),
      ]),
    ];
    await waitFor(this.runner, async () => (await ours()).length === 0, 3000);
    for (const pid of await ours()) {
      if (this.runner.signal(pid, 'SIGTERM')) changes.push(`stopped wireguard-go ${pid}`);
    }
    if (!(await waitFor(this.runner, async () => (await ours()).length === 0, 2000))) {
      for (const pid of await ours()) this.runner.signal(pid, 'SIGKILL');
    }
    for (const pid of this.spawned.keys()) this.spawned.set(pid, false);
    // A killed wireguard-go leaves its socket behind; wg would then report a dead interface.
    const socket = wireguardSocketPath(name);
    if ((await this.runner.fileExists(socket)) && !(await showLink(this.runner, name))) {
      await this.runner.removeFile(socket);
      changes.push(`removed stale ${socket}`);
    }
    return changes;
  }

  /** wireguard-go processes for our interface found by their exact argv (e.g. started before a crash). */
  async leftoverPids(): Promise<number[]> {
    const want = wireguardGoArgv(this.config);
    const binary = want[0] ?? 'wireguard-go';
    return (await this.runner.processes())
      .filter(
        (p) =>
          p.argv.length === want.length &&
          (p.argv[0] === binary || p.argv[0]?.endsWith(`/${binary.split('/').pop() ?? binary}`)) &&
          p.argv.slice(1).every((arg, i) => arg === want[i + 1]),
      )
      .map((p) => p.pid);
  }

  private async socketAnswers(): Promise<boolean> {
    const result = await this.runner.run(['wg', 'show', this.interfaceName, 'listen-port'], {
      check: false,
    });
    return result.code === 0;
  }

  /** Creates the interface; returns which implementation did. */
  private async create(): Promise<'kernel' | 'userspace'> {
    const name = this.interfaceName;
    if (this.implementation !== 'userspace') {
      const result = await this.runner.run(
        ['ip', 'link', 'add', 'dev', name, 'type', 'wireguard'],
        { check: false },
      );
      if (result.code === 0) {
        this.implementation = 'kernel';
        return 'kernel';
      }
      if (this.implementation === 'kernel') {
        throw new Error(`kernel WireGuard is not available: ${result.stderr.trim()}`);
      }
      this.implementation = 'userspace';
    }
    await this.startWireguardGo();
    return 'userspace';
  }

  private async startWireguardGo(): Promise<void> {
    let exitCode: number | null | undefined;
    const pid = this.runner.spawnDetached(wireguardGoArgv(this.config), {
      env: { WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD: '1', LOG_LEVEL: 'error' },
      onExit: (code) => {
        exitCode = code;
        this.spawned.set(pid, false);
      },
    });
    this.spawned.set(pid, true);
    const ready = await waitFor(
      this.runner,
      async () => exitCode !== undefined || (await this.socketAnswers()),
      5000,
    );
    if (exitCode !== undefined || !ready) {
      if (exitCode === undefined) this.runner.signal(pid, 'SIGTERM');
      throw new Error(
        exitCode !== undefined
          ? `wireguard-go exited with code ${String(exitCode)} before ${this.interfaceName} was up (is /dev/net/tun available? is ${this.interfaceName} in use?)`
          : `wireguard-go did not create ${this.interfaceName} within 5 s`,
      );
    }
  }
}
