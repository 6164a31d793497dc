import { spawn } from 'node:child_process';
import { readdir, readFile, rm, stat } from 'node:fs/promises';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** Written to the command's stdin (secrets such as WireGuard keys never touch the disk). */
  input?: string;
  /**
   * Network namespace to run in: a name under /run/netns or a path (`/proc/<pid>/ns/net`).
   * `undefined` = the runner's own target, `null` = the namespace this process runs in.
   */
  netns?: string | null;
  /** Throw CommandError on a non-zero exit (default true). */
  check?: boolean;
  env?: Record<string, string>;
  timeoutMs?: number;
}

export interface ProcessInfo {
  pid: number;
  argv: string[];
}

export interface CommandRunnerOptions {
  /** Namespace every command runs in unless a call says otherwise (tests: the worker's netns). */
  netns?: string;
  timeoutMs?: number;
  /** Observer of every finished command (debug logging, tests). */
  onCommand?: (argv: readonly string[], result: CommandResult, ms: number) => void;
}

export class CommandError extends Error {
  constructor(
    readonly argv: readonly string[],
    readonly result: CommandResult,
  ) {
    const detail = (result.stderr.trim() || result.stdout.trim()).slice(0, 500);
    super(`\`${argv.join(' ')}\` failed (exit ${result.code}): ${detail}`);
    this.name = 'CommandError';
  }
}

/** `/run/netns/<name>` for a named namespace, the path itself otherwise. */
export function netnsPath(netns: string): string {
  return netns.includes('/') ? netns : `/run/netns/${netns}`;
}

/**
 * argv as executed: `nsenter --net=<path> -- argv` inside a namespace. nsenter (util-linux) is
 * used rather than `ip netns exec` because it also accepts `/proc/<pid>/ns/net` of a container,
 * and without `--fork` it execs the program, so a spawned child's pid is the program's own.
 */
export function wrapInNetns(argv: readonly string[], netns: string | null | undefined): string[] {
  return netns ? ['nsenter', `--net=${netnsPath(netns)}`, '--', ...argv] : [...argv];
}

/**
 * The net manager's only I/O boundary: runs ip/nft/wg/bridge/iptables/wireguard-go, optionally
 * inside a network namespace, and looks at processes. Everything above it builds argv arrays
 * from pure functions, so the logic is testable without root.
 */
export class CommandRunner {
  constructor(private readonly options: CommandRunnerOptions = {}) {}

  /** The namespace commands run in by default (undefined = this process's namespace). */
  get netns(): string | undefined {
    return this.options.netns;
  }

  run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const full = wrapInNetns(
      argv,
      options.netns === undefined ? this.options.netns : options.netns,
    );
    const [file, ...args] = full;
    if (file === undefined) return Promise.reject(new Error('empty command'));
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 15_000;
    const started = Date.now();
    return new Promise<CommandResult>((resolve, reject) => {
      const child = spawn(file, args, {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: options.env ? { ...process.env, ...options.env } : process.env,
      });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let timedOut = false;
      const timer = setTimeout(() => {
        timedOut = true;
        child.kill('SIGKILL');
      }, timeoutMs);
      child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
      child.stderr.on('data', (chunk: Buffer) => err.push(chunk));
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`cannot run ${file}: ${error.message}`));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        const result: CommandResult = {
          code: code ?? 128,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr:
            Buffer.concat(err).toString('utf8') +
            (timedOut ? `\n(killed after ${timeoutMs} ms)` : signal ? `\n(signal ${signal})` : ''),
        };
        this.options.onCommand?.(full, result, Date.now() - started);
        if (result.code !== 0 && options.check !== false) reject(new CommandError(full, result));
        else resolve(result);
      });
      // EPIPE when the command exits without reading its input is reported by 'close'.
      child.stdin.on('error', () => undefined);
      child.stdin.end(options.input ?? '');
    });
  }

  /**
   * Starts a long-lived process (wireguard-go) detached from this one: its own session, stdio on
   * /dev/null. A pipe would kill it with SIGPIPE after an agent crash, and the data plane must
   * survive the agent like containers do. `onExit` fires if it ends while this process lives.
   */
  spawnDetached(
    argv: readonly string[],
    options: {
      netns?: string | null;
      env?: Record<string, string>;
      onExit?: (code: number | null) => void;
    } = {},
  ): number {
    const full = wrapInNetns(
      argv,
      options.netns === undefined ? this.options.netns : options.netns,
    );
    const [file, ...args] = full;
    if (file === undefined) throw new Error('empty command');
    const child = spawn(file, args, {
      detached: true,
      stdio: 'ignore',
      env: options.env ? { ...process.env, ...options.env } : process.env,
    });
    if (child.pid === undefined) throw new Error(`cannot start ${file}`);
    child.on('error', () => undefined);
    child.on('exit', (code) => options.onExit?.(code));
    child.unref();
    return child.pid;
  }

  isAlive(pid: number): boolean {
    try {
      process.kill(pid, 0);
      return true;
    } catch (error) {
      return (error as NodeJS.ErrnoException).code === 'EPERM';
    }
  }

  /** Signals one process by id (never by name); false when it no longer exists. */
  signal(pid: number, signal: NodeJS.Signals = 'SIGTERM'): boolean {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  }

  /** All processes with their argv (from /proc), e.g. to find a wireguard-go left by a crash. */
  async processes(): Promise<ProcessInfo[]> {
    const entries = await readdir('/proc');
    const found: ProcessInfo[] = [];
    for (const entry of entries) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const raw = await readFile(`/proc/${entry}/cmdline`, 'utf8');
        const argv = raw.split('\0').filter((part) => part !== '');
        if (argv.length > 0) found.push({ pid: Number(entry), argv });
      } catch {
        // exited meanwhile
      }
    }
    return found;
  }

  async fileExists(path: string): Promise<boolean> {
    try {
      await stat(path);
      return true;
    } catch {
      return false;
    }
  }

  /** Removes a file we own (a stale wireguard-go socket); no error when it is already gone. */
  async removeFile(path: string): Promise<void> {
    await rm(path, { force: true });
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, ms));
  }
}
