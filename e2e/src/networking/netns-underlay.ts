import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { randomBytes, randomInt } from 'node:crypto';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** Runs a command on the host (no shell); throws with stderr unless `check` is false. */
export async function sh(
  argv: string[],
  check = true,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await execFileAsync(argv[0] as string, argv.slice(1), {
      timeout: 60_000,
      maxBuffer: 16 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code?: number | string; stdout?: string; stderr?: string };
    const result = {
      code: typeof err.code === 'number' ? err.code : 127,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? String(e),
    };
    if (check) throw new Error(`${argv.join(' ')} → ${result.code}: ${result.stderr.trim()}`);
    return result;
  }
}

/** A worker "host": a network namespace on the underlay. */
export interface UnderlayHost {
  label: string;
  netns: string;
  underlayIp: string;
  /** Tunnel interface and bridge the worker's net manager uses (unique per run). */
  tunnelInterface: string;
  bridge: string;
}

function wireguardSocket(h: UnderlayHost): string {
  return `/var/run/wireguard/${h.tunnelInterface}.sock`;
}

/**
 * A multi-host underlay made of network namespaces, for the networking e2e:
 *
 *   host (root, cluster, broker on 127.0.0.1)
 *     └─ <id>h  198.18.<n>.254/24  (veth; peer is a port of the underlay bridge)
 *   namespace <id>-ul: bridge br0  (the "LAN")
 *     ├─ p<label> ── namespace <id>-w<label>: ul0 198.18.<n>.<k>/24
 *     └─ ...
 *
 * The workers reach the cluster's HTTP port and the broker at 198.18.<n>.254 through TCP
 * forwarders in the test process (the services listen on 127.0.0.1 only). Every name carries a
 * per-run id, the /24 is random per run (parallel runs never share an address), and destroy()
 * ends every process still running in its namespaces (by pid) and deletes them all.
 */
export class NetnsUnderlay {
  readonly id = `cn${randomBytes(2).toString('hex')}`;
  readonly octet = randomInt(1, 250);
  readonly hostIp = `198.18.${this.octet}.254`;
  readonly ulNetns = `${this.id}-ul`;
  readonly hostLink = `${this.id}h`;
  readonly hosts: UnderlayHost[] = [];
  private readonly namespaces: string[] = [];
  private readonly forwarders: Server[] = [];
  private readonly sockets = new Set<Socket>();

  async setUp(): Promise<void> {
    await this.addNetns(this.ulNetns);
    const ul = ['ip', '-n', this.ulNetns];
    await sh([...ul, 'link', 'add', 'name', 'br0', 'type', 'bridge']);
    await sh([...ul, 'link', 'set', 'dev', 'br0', 'up']);
    await sh([
      'ip',
      'link',
      'add',
      'name',
      this.hostLink,
      'type',
      'veth',
      'peer',
      'name',
      'uh',
      'netns',
      this.ulNetns,
    ]);
    await sh([...ul, 'link', 'set', 'dev', 'uh', 'master', 'br0', 'up']);
    await sh(['ip', 'addr', 'add', `${this.hostIp}/24`, 'dev', this.hostLink]);
    await sh(['ip', 'link', 'set', 'dev', this.hostLink, 'up']);
  }

  private async addNetns(name: string): Promise<void> {
    await sh(['ip', 'netns', 'add', name]);
    this.namespaces.push(name);
    await sh(['ip', '-n', name, 'link', 'set', 'dev', 'lo', 'up']);
  }

  /** A worker namespace on the underlay as 198.18.<n>.<k>, interface `ul0`. */
  async addHost(label: string, k: number): Promise<UnderlayHost> {
    const netns = `${this.id}-w${label}`;
    await this.addNetns(netns);
    const port = `p${label}`;
    await sh([
      'ip',
      '-n',
      this.ulNetns,
      'link',
      'add',
      'name',
      port,
      'type',
      'veth',
      'peer',
      'name',
      'ul0',
      'netns',
      netns,
    ]);
    await sh(['ip', '-n', this.ulNetns, 'link', 'set', 'dev', port, 'master', 'br0', 'up']);
    const underlayIp = `198.18.${this.octet}.${k}`;
    await sh(['ip', '-n', netns, 'addr', 'add', `${underlayIp}/24`, 'dev', 'ul0']);
    await sh(['ip', '-n', netns, 'link', 'set', 'dev', 'ul0', 'up']);
    // A default route, so the agent's "ip" fact and outbound lookups find an interface.
    await sh(['ip', '-n', netns, 'route', 'add', 'default', 'via', this.hostIp]);
    const host = {
      label,
      netns,
      underlayIp,
      tunnelInterface: NetnsUnderlay.tunnelInterface(this.id, label),
      bridge: NetnsUnderlay.bridge(this.id, label),
    };
    this.hosts.push(host);
    return host;
  }

  /** Forwards TCP from hostIp:port to 127.0.0.1:`target` (default: the same port). */
  async forward(port: number, target = port): Promise<void> {
    const server = createServer((inbound) => {
      const outbound = createConnection({ host: '127.0.0.1', port: target });
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => {
          inbound.destroy();
          outbound.destroy();
        });
      }
      inbound.pipe(outbound);
      outbound.pipe(inbound);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.hostIp, () => resolve());
    });
    this.forwarders.push(server);
  }

  /** Pids of the processes whose network namespace is `netns`. */
  async pidsIn(netns: string): Promise<number[]> {
    const out = await sh(['ip', 'netns', 'pids', netns], false);
    return out.stdout
      .split(/\s+/)
      .filter((s) => /^\d+$/.test(s))
      .map(Number);
  }

  /** Processes inside the worker namespaces (the agents, wireguard-go), with their command lines. */
  async processes(): Promise<{ netns: string; pid: number; cmd: string }[]> {
    const found: { netns: string; pid: number; cmd: string }[] = [];
    for (const netns of this.namespaces) {
      for (const pid of await this.pidsIn(netns)) {
        const cmd = await sh(['ps', '-o', 'args=', '-p', String(pid)], false);
        found.push({ netns, pid, cmd: cmd.stdout.trim() });
      }
    }
    return found;
  }

  /** Everything it made is gone: no process in its namespaces, no namespace, no host veth. */
  async leftovers(): Promise<string[]> {
    const left: string[] = [];
    const netns = (await sh(['ip', 'netns', 'list'], false)).stdout;
    for (const line of netns.split('\n'))
      if (line.startsWith(this.id)) left.push(`netns ${line.trim()}`);
    const links = (await sh(['ip', '-br', 'link'], false)).stdout;
    for (const line of links.split('\n'))
      if (line.startsWith(this.id)) left.push(`link ${line.trim()}`);
    const addrs = (await sh(['ip', '-br', 'addr'], false)).stdout;
    for (const line of addrs.split('\n'))
      if (line.includes(`198.18.${this.octet}.`)) left.push(`address ${line.trim()}`);
    for (const h of this.hosts)
      if (existsSync(wireguardSocket(h))) left.push(`socket ${wireguardSocket(h)}`);
    return left;
  }

  /** Closes the forwarders, SIGKILLs every process left in its namespaces (by pid), deletes them. */
  async destroy(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await Promise.all(
      this.forwarders.map(
        (server) => new Promise<void>((resolve) => server.close(() => resolve())),
      ),
    );
    this.forwarders.length = 0;
    // TERM first: wireguard-go removes its UAPI socket (/var/run/wireguard/<if>.sock) on exit.
    for (const n of this.namespaces)
      for (const pid of await this.pidsIn(n)) {
        try {
          process.kill(pid, 'SIGTERM');
        } catch {
          // already gone
        }
      }
    for (let t = 0; t < 30; t++) {
      const left = (await Promise.all(this.namespaces.map((n) => this.pidsIn(n)))).flat();
      if (left.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    for (let attempt = 0; attempt < 30; attempt++) {
      const pids = (await Promise.all(this.namespaces.map((n) => this.pidsIn(n)))).flat();
      if (pids.length === 0) break;
      for (const pid of pids) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    for (const name of [...this.namespaces].reverse())
      await sh(['ip', 'netns', 'del', name], false);
    this.namespaces.length = 0;
    // Deleting the underlay namespace deletes the veth pair; make sure of it.
    await sh(['ip', 'link', 'del', 'dev', this.hostLink], false);
    // A wireguard-go that had to be SIGKILLed leaves its socket behind.
    for (const h of this.hosts) await rm(wireguardSocket(h), { force: true });
  }

  /** The per-run tunnel interface of a worker (unique on the machine: wireguard-go's socket path is global). */
  static tunnelInterface(id: string, label: string): string {
    return `wg${id}${label}`;
  }

  static bridge(id: string, label: string): string {
    return `br${id}${label}`;
  }
}

/**
 * What of Canopy's data plane exists in the host's own namespace: links tagged with the net
 * manager's ifalias, its nftables table, routes with its protocol number, its DOCKER-USER rules,
 * wireguard-go processes in the host namespace. Compared before and after a run (another Canopy
 * on the machine may legitimately own some).
 */
export async function hostCanopySnapshot(): Promise<Record<string, string[]>> {
  const links = JSON.parse(
    (await sh(['ip', '-j', '-d', 'link', 'show'], false)).stdout || '[]',
  ) as {
    ifname: string;
    ifalias?: string;
  }[];
  const tables = (await sh(['nft', 'list', 'tables'], false)).stdout;
  const routes = (await sh(['ip', 'route', 'show', 'table', 'all', 'proto', '233'], false)).stdout;
  const dockerUser = (await sh(['iptables', '-w', '-S', 'DOCKER-USER'], false)).stdout;
  const hostNetns = (await sh(['readlink', '/proc/self/ns/net'], false)).stdout.trim();
  const wgGo: string[] = [];
  for (const line of (await sh(['pgrep', '-a', 'wireguard-go'], false)).stdout.split('\n')) {
    const pid = line.split(' ')[0];
    if (!pid) continue;
    const ns = (await sh(['readlink', `/proc/${pid}/ns/net`], false)).stdout.trim();
    if (ns === hostNetns) wgGo.push(line.trim());
  }
  const lines = (text: string) =>
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  return {
    links: links.filter((l) => l.ifalias?.startsWith('canopy')).map((l) => l.ifname),
    nftTables: lines(tables).filter((l) => /canopy/.test(l)),
    routes: lines(routes),
    dockerUser: lines(dockerUser).filter((l) => /canopy/.test(l)),
    wireguardGo: wgGo,
  };
}
