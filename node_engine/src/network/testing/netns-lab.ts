import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommandRunner, type CommandResult } from '../command.runner';
import { parseNetnsList } from '../ip-json.parser';
import { waitFor } from '../ip-queries';

/** HTTP server for instance namespaces: answers every request with its name (and echoes the path). */
const SERVER_JS = `
const name = process.argv[2];
require('http').createServer((req, res) => {
  res.end(name + (req.url.length > 1 ? ' ' + req.url.slice(1) : ''));
}).listen(Number(process.argv[3] || 80), '0.0.0.0');
`;

/**
 * HTTP client: <url> <count> <timeoutMs>; one new connection per request (so DNAT picks per
 * request), closed by the client; prints {"counts":{"<first word of body>":n},"errors":n,"bodies":[first 3]}.
 */
const CLIENT_JS = `
const http = require('http');
const [url, count, timeout] = [process.argv[2], Number(process.argv[3] || 1), Number(process.argv[4] || 2000)];
// The client closes first, so TIME_WAIT stays in the client's namespace and servers never hold
// a TIME_WAIT for a 4-tuple that a later connection through another (DNATed) address reuses.
const get = () => new Promise((resolve) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let socket;
  const req = http.get(url, { agent, timeout }, (res) => {
    let body = ''; res.on('data', (c) => (body += c));
    res.on('end', () => { socket.destroy(); agent.destroy(); resolve(body); });
  });
  req.on('socket', (s) => (socket = s));
  req.on('timeout', () => req.destroy(new Error('timeout')));
  req.on('error', (e) => resolve({ error: e.message }));
});
(async () => {
  const counts = {}; const bodies = []; let errors = 0; const messages = []; const ms = [];
  for (let i = 0; i < count; i++) {
    const t = Date.now();
    const r = await get();
    ms.push(Date.now() - t);
    if (typeof r === 'string') { const k = r.split(' ')[0]; counts[k] = (counts[k] || 0) + 1; if (bodies.length < 3) bodies.push(r); }
    else { errors++; if (messages.length < 3) messages.push(r.error); }
  }
  process.stdout.write(JSON.stringify({ counts, errors, bodies, messages, ms }));
})();
`;

/** CANOPY_NET_DEBUG=1 prints every command of the workers' net managers with its duration. */
function debugOptions(): {
  onCommand?: (argv: readonly string[], result: CommandResult, ms: number) => void;
} {
  if (!process.env['CANOPY_NET_DEBUG']) return {};
  return {
    onCommand: (argv, result, ms) =>
      process.stderr.write(
        `[net] ${new Date().toISOString().slice(17, 23)} ${ms}ms exit ${result.code}: ${argv.slice(3).join(' ').slice(0, 160)}\n`,
      ),
  };
}

export interface FetchResult {
  counts: Record<string, number>;
  errors: number;
  bodies: string[];
  messages: string[];
  /** Duration of each request. */
  ms: number[];
}

export interface LabWorker {
  /** Network namespace name (the "host" of the worker). */
  netns: string;
  underlayIp: string;
  runner: CommandRunner;
}

/**
 * A throw-away multi-host topology made of network namespaces, for integration specs and the
 * tunnel benchmark: an underlay "LAN" namespace with a bridge (198.18.0.254/24, also usable as
 * an external client) and workers attached to it by veths (198.18.0.<n>/24). Every name carries
 * a per-run id; destroy() removes every namespace and ends every process it started, by pid.
 */
export class NetnsLab {
  readonly id: string;
  readonly host = new CommandRunner();
  readonly underlay: string;
  private readonly namespaces: string[] = [];
  private readonly pids = new Set<number>();
  private dir: string | undefined;

  constructor(id = `c${randomBytes(2).toString('hex')}`) {
    this.id = id;
    this.underlay = `${id}-ul`;
  }

  static readonly UNDERLAY_BRIDGE = 'br0';
  static readonly UNDERLAY_CLIENT_IP = '198.18.0.254';

  async setUp(): Promise<void> {
    this.dir = await mkdtemp(join(tmpdir(), `${this.id}-`));
    await writeFile(join(this.dir, 'server.js'), SERVER_JS);
    await writeFile(join(this.dir, 'client.js'), CLIENT_JS);
    await this.addNetns(this.underlay);
    const u = { netns: this.underlay };
    await this.host.run(
      ['ip', 'link', 'add', 'name', NetnsLab.UNDERLAY_BRIDGE, 'type', 'bridge'],
      u,
    );
    await this.host.run(
      ['ip', 'addr', 'add', `${NetnsLab.UNDERLAY_CLIENT_IP}/24`, 'dev', NetnsLab.UNDERLAY_BRIDGE],
      u,
    );
    await this.host.run(['ip', 'link', 'set', 'dev', NetnsLab.UNDERLAY_BRIDGE, 'up'], u);
  }

  /** Creates a named namespace (loopback up) that destroy() will delete. */
  async addNetns(name: string): Promise<string> {
    await this.host.run(['ip', 'netns', 'add', name], { netns: null });
    this.namespaces.push(name);
    await this.host.run(['ip', 'link', 'set', 'dev', 'lo', 'up'], { netns: name });
    return name;
  }

  /** A worker namespace on the underlay as 198.18.0.<n>, interface `ul0`. */
  async addWorker(label: string, n: number): Promise<LabWorker> {
    const netns = await this.addNetns(`${this.id}-w${label}`);
    const port = `p${label}`;
    await this.host.run(
      [
        'ip',
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
        `/run/netns/${netns}`,
      ],
      {
        netns: this.underlay,
      },
    );
    await this.host.run(
      ['ip', 'link', 'set', 'dev', port, 'master', NetnsLab.UNDERLAY_BRIDGE, 'up'],
      { netns: this.underlay },
    );
    const underlayIp = `198.18.0.${n}`;
    await this.host.run(['ip', 'addr', 'add', `${underlayIp}/24`, 'dev', 'ul0'], { netns });
    await this.host.run(['ip', 'link', 'set', 'dev', 'ul0', 'up'], { netns });
    return { netns, underlayIp, runner: new CommandRunner({ netns, ...debugOptions() }) };
  }

  run(netns: string, argv: string[], check = true): Promise<CommandResult> {
    return this.host.run(argv, { netns, check, timeoutMs: 60_000 });
  }

  /** Starts a long-running process in `netns`; destroy() ends it by pid. */
  spawn(netns: string, argv: string[]): number {
    const pid = this.host.spawnDetached(argv, { netns, onExit: () => this.pids.delete(pid) });
    this.pids.add(pid);
    return pid;
  }

  async stop(pid: number, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    this.host.signal(pid, signal);
    await waitFor(this.host, () => !this.host.isAlive(pid), 3000);
    this.pids.delete(pid);
  }

  /** Starts the HTTP server in `netns` answering `name`, and waits until it answers locally. */
  async startServer(netns: string, name: string, port = 80): Promise<number> {
    const pid = this.spawn(netns, [process.execPath, this.path('server.js'), name, String(port)]);
    const ready = await waitFor(
      this.host,
      async () => (await this.fetch(netns, `http://127.0.0.1:${port}/`, 1, 500)).counts[name] === 1,
      5000,
      100,
    );
    if (!ready) throw new Error(`server ${name} in ${netns} did not start`);
    return pid;
  }

  /** `count` HTTP GETs from inside `netns`, each on a new connection. */
  async fetch(netns: string, url: string, count = 1, timeoutMs = 2000): Promise<FetchResult> {
    const started = Date.now();
    const result = await this.run(netns, [
      process.execPath,
      this.path('client.js'),
      url,
      String(count),
      String(timeoutMs),
    ]);
    if (process.env['CANOPY_NET_DEBUG']) {
      process.stderr.write(
        `[net] ${new Date().toISOString().slice(17, 23)} fetch ${netns} ${url} x${count}: ${Date.now() - started}ms ${result.stdout.slice(0, 120)} ${result.stdout.slice(result.stdout.indexOf('"ms"'), result.stdout.indexOf('"ms"') + 120)}\n`,
      );
    }
    return JSON.parse(result.stdout) as FetchResult;
  }

  /** Captures `filter` on the underlay link of worker `worker` (its label) while `during` runs; returns the pcap bytes. */
  async capture(worker: string, filter: string[], during: () => Promise<void>): Promise<Buffer> {
    const file = this.path(`capture-${Date.now()}.pcap`);
    // On the worker's port of the underlay bridge: frames forwarded between ports never pass
    // the bridge device itself. Immediate mode: buffered packets would be lost at SIGINT.
    const pid = this.spawn(this.underlay, [
      'tcpdump',
      '--immediate-mode',
      '-Z',
      'root',
      '-i',
      `p${worker}`,
      '-U',
      '-s',
      '0',
      '-w',
      file,
      ...filter,
    ]);
    // The pcap header is written once tcpdump has opened the interface.
    const opened = await waitFor(
      this.host,
      async () => (await readFile(file).catch(() => Buffer.alloc(0))).length >= 24,
      5000,
    );
    if (!opened) throw new Error('tcpdump did not start');
    await this.host.sleep(200);
    try {
      await during();
      await this.host.sleep(300);
    } finally {
      await this.stop(pid, 'SIGINT');
    }
    return readFile(file);
  }

  path(name: string): string {
    if (!this.dir) throw new Error('lab not set up');
    return join(this.dir, name);
  }

  /** Ends every process it started (by pid) and deletes every namespace it created. */
  async destroy(): Promise<void> {
    for (const pid of this.pids) this.host.signal(pid, 'SIGKILL');
    await waitFor(this.host, () => [...this.pids].every((pid) => !this.host.isAlive(pid)), 3000);
    const existing = parseNetnsList(
      (await this.host.run(['ip', '-j', 'netns', 'list'], { netns: null })).stdout,
    );
    for (const name of [...this.namespaces].reverse()) {
      if (existing.includes(name))
        await this.host.run(['ip', 'netns', 'del', name], { netns: null, check: false });
    }
    this.namespaces.length = 0;
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

/** Number of packets in a pcap file (classic format, as tcpdump -w writes). */
export function pcapPacketCount(pcap: Buffer): number {
  let offset = 24;
  let count = 0;
  while (offset + 16 <= pcap.length) {
    const captured = pcap.readUInt32LE(offset + 8);
    offset += 16 + captured;
    count++;
  }
  return count;
}
