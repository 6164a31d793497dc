/**
 * The scheduling half of a level-triggered publisher (PeersPublisher, ServicesPublisher): events
 * `request()` a sync, debounced by `debounceMs`; a periodic check every `intervalMs` runs one
 * anyway (it catches what no event announces); syncs never overlap — a request during a sync
 * runs one more right after it. `force` asks the sync to publish even an unchanged state (boot,
 * broker reconnect). Errors are handed to `onError`; the next check retries. Plain TS, no I/O.
 */
export interface LevelTriggeredSyncOptions {
  debounceMs: number;
  intervalMs: number;
  run: (force: boolean) => Promise<void>;
  onError: (error: Error) => void;
}

export class LevelTriggeredSync {
  private debounce: NodeJS.Timeout | undefined;
  private interval: NodeJS.Timeout | undefined;
  /** A sync is wanted; `force` publishes even an unchanged snapshot. */
  private wanted: { force: boolean } | undefined;
  private running: Promise<void> | undefined;
  private stopped = false;

  constructor(private readonly options: LevelTriggeredSyncOptions) {}

  /** Starts the periodic check. */
  start(): void {
    this.interval = setInterval(() => this.kick(false), this.options.intervalMs);
    this.interval.unref();
  }

  /** Stops timers and waits for a running sync (before the connections it uses close). */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.debounce);
    clearInterval(this.interval);
    await this.running;
  }

  /** Something changed: sync after the debounce window. */
  request(options: { force?: boolean } = {}): void {
    if (options.force) this.wanted = { force: true };
    else this.wanted ??= { force: false };
    if (this.debounce !== undefined || this.stopped) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      this.kick(false);
    }, this.options.debounceMs);
  }

  /** Resolves once no sync is wanted or running (tests). */
  async settled(): Promise<void> {
    while (this.running !== undefined || this.debounce !== undefined) {
      await (this.running ?? new Promise((r) => setTimeout(r, this.options.debounceMs)));
    }
  }

  /** Starts a sync unless one runs; a running one picks `wanted` up when it ends. */
  private kick(force: boolean): void {
    if (this.stopped) return;
    if (force) this.wanted = { force: true };
    else this.wanted ??= { force: false };
    if (this.running !== undefined) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
    });
  }

  private async drain(): Promise<void> {
    while (this.wanted !== undefined && !this.stopped) {
      const { force } = this.wanted;
      this.wanted = undefined;
      try {
        await this.options.run(force);
      } catch (error) {
        this.options.onError(error as Error);
      }
    }
  }
}
