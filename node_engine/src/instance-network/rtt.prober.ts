import { connect } from 'node:net';
import type { Logger } from 'pino';
import { ewma } from './rtt-estimate';

/** One tunnel peer to measure: its bridge address, reached through the tunnel. */
export interface RttTarget {
  /** Worker id (what query results and net/services call `worker_id`). */
  id: string;
  host: string;
  port: number;
}

/** One round trip to host:port in ms; undefined when the peer did not answer in time. */
export type RttProbe = (
  host: string,
  port: number,
  timeoutMs: number,
) => Promise<number | undefined>;

/**
 * A TCP connect: the peer's kernel answers the SYN with SYN-ACK (a listener) or RST (none, the
 * usual case on the tunnel port, which is UDP), either way after exactly one round trip; no
 * ICMP tool needed. Anything else (timeout, unreachable) is no sample.
 */
export const tcpConnectProbe: RttProbe = (host, port, timeoutMs) =>
  new Promise((resolve) => {
    const started = process.hrtime.bigint();
    const elapsed = (): number => Number(process.hrtime.bigint() - started) / 1e6;
    const socket = connect({ host, port });
    const done = (value: number | undefined): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.once('connect', () => done(elapsed()));
    socket.once('error', (error: NodeJS.ErrnoException) =>
      done(error.code === 'ECONNREFUSED' ? elapsed() : undefined),
    );
  });

export interface RttProberOptions {
  targets(): RttTarget[];
  /** After every round (the owner decides whether a `closest` choice changed). */
  onRound(): void;
  logger: Logger;
  probe?: RttProbe;
  intervalMs?: number;
  timeoutMs?: number;
  /** Consecutive failed probes after which a peer counts as unmeasured again. */
  forgetAfter?: number;
}

/**
 * Measures every tunnel peer periodically (default every 10 s, 1 s timeout) and keeps an EWMA
 * per worker id; `closest` routes use it. A peer that stops answering becomes unmeasured (ranked
 * after every measured one) rather than keeping a stale good value.
 */
export class RttProber {
  private readonly estimates = new Map<string, number>();
  private readonly failures = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private round: Promise<void> | undefined;

  constructor(private readonly options: RttProberOptions) {}

  /** Smoothed RTT in ms to worker `id`; undefined when not measured (or unreachable). */
  rtt(id: string): number | undefined {
    return this.estimates.get(id);
  }

  start(): void {
    if (this.timer) return;
    const every = this.options.intervalMs ?? 10_000;
    this.timer = setInterval(() => void this.probeAll(), every);
    this.timer.unref();
    void this.probeAll();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round over all targets in parallel; overlapping calls share the running round. */
  probeAll(): Promise<void> {
    this.round ??= this.doRound().finally(() => (this.round = undefined));
    return this.round;
  }

  private async doRound(): Promise<void> {
    const probe = this.options.probe ?? tcpConnectProbe;
    const timeoutMs = this.options.timeoutMs ?? 1_000;
    const targets = this.options.targets();
    const ids = new Set(targets.map((t) => t.id));
    for (const id of [...this.estimates.keys()]) if (!ids.has(id)) this.estimates.delete(id);
    await Promise.all(
      targets.map(async (t) => {
        const sample = await probe(t.host, t.port, timeoutMs).catch(() => undefined);
        if (sample !== undefined) {
          this.failures.delete(t.id);
          this.estimates.set(t.id, ewma(this.estimates.get(t.id), sample));
          return;
        }
        const failed = (this.failures.get(t.id) ?? 0) + 1;
        this.failures.set(t.id, failed);
        if (failed >= (this.options.forgetAfter ?? 3)) this.estimates.delete(t.id);
      }),
    );
    try {
      this.options.onRound();
    } catch (error) {
      this.options.logger.error({ error: (error as Error).message }, 'RTT round handler failed');
    }
  }
}
