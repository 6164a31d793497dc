import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  env: Record<string, string | undefined>;
  cwd?: string;
  /** Polled until it answers 200; omit for processes without HTTP. */
  readyUrl?: string;
  readyTimeoutMs?: number;
}

/**
 * A real child process for multi-process tests: output is captured (and replayed on failure, so a
 * red e2e run shows why the app died), readiness is an HTTP 200, and stop() escalates TERM → KILL.
 */
export class ManagedProcess {
  private output = '';
  private exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once stdout/stderr are drained: 'exit' can come before a dying app's last lines. */
  private closed: Promise<void>;

  private constructor(
    readonly name: string,
    readonly child: ChildProcess,
  ) {
    child.stdout?.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (this.output += d.toString()));
    this.exit = new Promise((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    this.closed = new Promise((resolve) => child.once('close', () => resolve()));
  }

  static async start(opts: StartOptions): Promise<ManagedProcess> {
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries({ ...process.env, ...opts.env })) {
      if (v !== undefined) env[k] = v;
    }
    const child = spawn(opts.command, opts.args, {
      cwd: opts.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new ManagedProcess(opts.name, child);
    if (opts.readyUrl) await proc.waitReady(opts.readyUrl, opts.readyTimeoutMs ?? 30_000);
    return proc;
  }

  get logs(): string {
    return this.output;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** Resolves when the process exits on its own. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.exit;
  }

  async waitReady(url: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
    void this.exit.then((how) => (exited = how));
    let last = 'no answer';
    while (Date.now() < deadline && !exited) {
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        if (res.status === 200) return;
        last = `HTTP ${res.status}: ${(await res.text()).slice(0, 300)}`;
      } catch (e) {
        last = (e as Error).message;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await this.stop();
    // A grandchild holding the pipes open must not hang the report, hence the bound.
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([this.closed, new Promise((r) => (bound = setTimeout(r, 2000)))]);
    clearTimeout(bound);
    const why = exited
      ? `process exited with ${exited.signal ? `signal ${exited.signal}` : `code ${exited.code}`}`
      : last;
    // Summaries show only an error's first lines: what the app said last and its complaints lead.
    const lines = this.output.split('\n').filter((line) => line.trim() !== '');
    const complaints = lines.filter((line) => !/^\{"level":"(info|debug|trace)"/.test(line));
    throw new Error(
      `${this.name} did not become ready at ${url} (${why}); last line: ${lines.at(-1) ?? '(none)'}\n` +
        `--- ${this.name} errors and warnings ---\n${complaints.slice(-20).join('\n')}\n` +
        `--- ${this.name} output ---\n${this.output.slice(-4000)}`,
    );
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves with how it ended. */
  async stop(graceMs = 10_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      const result = await this.exit;
      clearTimeout(timer);
      return result;
    }
    return this.exit;
  }

  kill9(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    this.child.kill('SIGKILL');
    return this.exit;
  }
}

/**
 * The kernel hands out ephemeral ports (ip_local_port_range) both to listen(0) and to every
 * outgoing connection. A port picked by listen(0) and released can therefore be taken by any
 * client socket on the machine before the app under test binds it (seen in CI: the root died on
 * EADDRINUSE). Test ports come from below that range instead, where only explicit binds land.
 */
const TEST_PORT_FLOOR = 20_000;
const handedOut = new Set<number>();

function testPortCeiling(): number {
  try {
    const [low] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')
      .trim()
      .split(/\s+/)
      .map(Number);
    if (low !== undefined && Number.isInteger(low)) return low - 1;
  } catch {
    // not Linux: fall through to the IANA dynamic range's start
  }
  return 49_151;
}

function bindable(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, host, () => server.close(() => resolve(true)));
  });
}

/**
 * A TCP port outside the ephemeral range that is free on loopback and the wildcard address right
 * now, and not handed out before by this test process. Random, so parallel jest workers rarely
 * pick the same one; the bind check catches the rest that are already in use.
 */
export async function freePort(): Promise<number> {
  const ceiling = testPortCeiling();
  if (ceiling - TEST_PORT_FLOOR < 1_000) return ephemeralPort();
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = TEST_PORT_FLOOR + Math.floor(Math.random() * (ceiling - TEST_PORT_FLOOR + 1));
    if (handedOut.has(port)) continue;
    if ((await bindable(port, '127.0.0.1')) && (await bindable(port, '0.0.0.0'))) {
      handedOut.add(port);
      return port;
    }
  }
  return ephemeralPort();
}

/** A TCP port the OS picked from its ephemeral range (free a moment ago). */
function ephemeralPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address
          ? resolve(address.port)
          : reject(new Error('no port')),
      );
    });
  });
}
