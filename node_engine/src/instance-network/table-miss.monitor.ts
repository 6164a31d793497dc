import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Logger } from 'pino';
import { wrapInNetns, type Ipv4Cidr } from '../network';
import { backoffDelay, type BackoffPolicy } from '../util/backoff';
import { MissDeduper, parseTableMiss } from './nft-trace.parser';

export interface TableMissMonitorOptions {
  /** Our nftables table (`inet <table>`): only its traces are misses. */
  table: string;
  pool: Ipv4Cidr;
  /** Namespace of the data plane (undefined: the agent's own). */
  netns: string | undefined;
  onMiss(address: string): void;
  logger: Logger;
  /** One miss per address within this window (default 1 s, about one SYN retransmission). */
  dedupeMs?: number;
  restart?: BackoffPolicy;
}

/** Restart of a dead `nft monitor`: quickly at first, then at most every 30 s. */
const DEFAULT_RESTART: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };
/** A monitor that ran this long before dying starts the backoff from the beginning again. */
const HEALTHY_RUN_MS = 60_000;

/**
 * Table misses without a userspace proxy: the ruleset traces (rate-limited) service-pool packets
 * no DNAT rule took, and this keeps one `nft monitor trace` child reading them. It is restarted
 * with backoff when it dies and killed by stop(); the child lives exactly as long as the agent.
 */
export class TableMissMonitor {
  private child: ChildProcess | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = true;
  private readonly deduper: MissDeduper;

  constructor(private readonly options: TableMissMonitorOptions) {
    this.deduper = new MissDeduper(options.dedupeMs ?? 1_000);
  }

  get running(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.spawn();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const child = this.child;
    this.child = undefined;
    if (child?.pid !== undefined && child.exitCode === null) child.kill('SIGTERM');
  }

  private spawn(): void {
    const { logger, netns } = this.options;
    const [file, ...args] = wrapInNetns(['nft', 'monitor', 'trace'], netns);
    if (file === undefined) return;
    const started = Date.now();
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-500)));
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) =>
      this.onLine(line),
    );
    child.on('error', (error) => logger.error({ error: error.message }, 'cannot run nft monitor'));
    child.on('close', (code, signal) => {
      if (this.child === child) this.child = undefined;
      if (this.stopped) return;
      if (Date.now() - started >= HEALTHY_RUN_MS) this.failures = 0;
      const delay = backoffDelay(this.failures++, this.options.restart ?? DEFAULT_RESTART);
      logger.warn(
        { code, signal, stderr: stderr.trim() || undefined, restartInMs: delay },
        'nft monitor trace ended; table misses go unnoticed until it restarts',
      );
      this.timer = setTimeout(() => this.spawn(), delay);
    });
    logger.debug({ pid: child.pid, netns }, 'table miss monitor started');
  }

  private onLine(line: string): void {
    const address = parseTableMiss(line, this.options.table, this.options.pool);
    if (address === undefined || !this.deduper.accept(address, Date.now())) return;
    try {
      this.options.onMiss(address);
    } catch (error) {
      this.options.logger.error(
        { address, error: (error as Error).message },
        'table miss handler failed',
      );
    }
  }
}
