import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { execIn as execInContainer } from '@canopy/testing';
import { docker } from '../workers/worker-stack';
import { sh } from './netns-underlay';

/** Runs a command in a container (docker exec), stdout and stderr together. */
export function execIn(containerId: string, cmd: string[]): Promise<string> {
  return execInContainer(docker, containerId, cmd);
}

/**
 * `count` HTTP GETs of `path` from inside a container with busybox `nc`; returns the last line of
 * each answer (the body's last line), '' for no answer.
 */
export async function getFrom(
  containerId: string,
  host: string,
  count = 1,
  path = '/',
): Promise<string[]> {
  const out = await execIn(containerId, [
    'sh',
    '-c',
    `i=0; while [ $i -lt ${count} ]; do i=$((i+1)); ` +
      `r=$(printf 'GET ${path} HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${host} 80 | tail -n 1); echo "=$r"; done`,
  ]);
  return out
    .split('\n')
    .filter((l) => l.startsWith('='))
    .map((l) => l.slice(1).trim());
}

/** Retries a single GET until its body matches `want` (tables/tunnels may still be converging). */
export async function firstAnswer(
  containerId: string,
  host: string,
  timeoutMs = 30_000,
  want = /^instance-\d+$/,
  path = '/',
): Promise<{ body: string; ms: number }> {
  const started = Date.now();
  let body = '';
  while (Date.now() - started < timeoutMs) {
    [body = ''] = await getFrom(containerId, host, 1, path);
    if (want.test(body)) return { body, ms: Date.now() - started };
    await new Promise((r) => setTimeout(r, 250));
  }
  return { body, ms: Date.now() - started };
}

/**
 * tcpdump in a namespace, writing every packet of `iface` to `file` unbuffered. Immediate mode:
 * on some kernels the default TPACKET_V3 ring hands nothing over (0 packets captured).
 */
export class Capture {
  private constructor(
    private readonly proc: ChildProcess,
    readonly file: string,
  ) {}

  static async start(netns: string, iface: string, file: string): Promise<Capture> {
    const proc = spawn(
      'ip',
      [
        'netns',
        'exec',
        netns,
        'tcpdump',
        '--immediate-mode',
        '-i',
        iface,
        '-U',
        '-s',
        '0',
        '-n',
        '-w',
        file,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
      proc.stderr?.on('data', (d: Buffer) => {
        err += d.toString();
        if (/listening on/.test(err)) {
          clearTimeout(timer);
          resolve();
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`tcpdump exited ${code}: ${err}`));
      });
    });
    // The ring is live shortly after the message: give it a moment before traffic starts.
    await new Promise((r) => setTimeout(r, 300));
    return new Capture(proc, file);
  }

  /** Stops tcpdump (by its pid) and returns the raw capture. */
  async stop(): Promise<Buffer> {
    if (this.proc.exitCode === null) {
      await new Promise((r) => setTimeout(r, 500));
      const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
      this.proc.kill('SIGINT');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill('SIGKILL');
    }
    return readFileSync(this.file);
  }

  /** Packets of the capture matching a pcap filter expression. */
  async count(filter: string): Promise<number> {
    const out = await sh(['tcpdump', '-r', this.file, '-nn', filter], false);
    return out.stdout.split('\n').filter(Boolean).length;
  }
}

/**
 * The agent's nftables table in a worker namespace (`canopy`, or `canopy_<bridge>` for an agent
 * with its own bridge name, as the e2e agents have); undefined when there is none.
 */
/**
 * `nft list …` in a namespace. A dump that races a ruleset change (the agent replaces its table
 * as a whole) fails with EINTR and is retried; a missing table or chain lists as ''.
 */
export async function nftListIn(netns: string, what: string[]): Promise<string> {
  for (let attempt = 1; ; attempt++) {
    const out = await sh(['ip', 'netns', 'exec', netns, 'nft', 'list', ...what], false);
    if (out.code === 0) return out.stdout;
    if (/No such file or directory/.test(out.stderr)) return '';
    if (attempt >= 10) throw new Error(`nft list ${what.join(' ')} in ${netns}: ${out.stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export async function canopyTableIn(netns: string): Promise<string | undefined> {
  const tables = await nftListIn(netns, ['tables']);
  return /^table inet (canopy\w*)$/m.exec(tables)?.[1];
}

/** The rules of the agent's `services` chain in a worker namespace (empty when it has none). */
export async function servicesChainIn(netns: string): Promise<string[]> {
  const table = await canopyTableIn(netns);
  if (table === undefined) return [];
  return (await nftListIn(netns, ['chain', 'inet', table, 'services']))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.startsWith('ip daddr '));
}

/** What of the data plane exists in a worker namespace: links, nft table lines, routes. */
export async function workerNsSnapshot(
  netns: string,
): Promise<{ links: string[]; nft: string[]; routes: string[]; addrs: string[] }> {
  const links = JSON.parse((await sh(['ip', '-n', netns, '-j', 'link'], false)).stdout || '[]') as {
    ifname: string;
  }[];
  const addrs = JSON.parse((await sh(['ip', '-n', netns, '-j', 'addr'], false)).stdout || '[]') as {
    ifname: string;
    addr_info?: { local: string; prefixlen: number }[];
  }[];
  const table = await canopyTableIn(netns);
  const nft = table === undefined ? '' : await nftListIn(netns, ['table', 'inet', table]);
  const routes = (await sh(['ip', '-n', netns, 'route', 'show', 'table', 'all'], false)).stdout;
  const lines = (t: string) =>
    t
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean);
  return {
    links: links.map((l) => l.ifname).sort(),
    addrs: addrs
      .flatMap((l) => (l.addr_info ?? []).map((a) => `${l.ifname} ${a.local}/${a.prefixlen}`))
      .sort(),
    nft: lines(nft),
    routes: lines(routes),
  };
}

/** Named network namespaces on the machine. */
export async function namedNetns(): Promise<string[]> {
  return (await sh(['ip', 'netns', 'list'], false)).stdout
    .split('\n')
    .map((l) => l.trim().split(' ')[0] as string)
    .filter(Boolean)
    .sort();
}
