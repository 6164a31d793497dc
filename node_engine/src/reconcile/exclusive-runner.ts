/**
 * Runs one task at a time (balena-supervisor's ExclusiveRunner). A trigger while a run is in
 * progress does not start a second one: it marks the run dirty, and exactly one more run follows
 * when the current one ends, however many triggers arrived meanwhile.
 *
 * INVARIANTS: never two runs concurrently; a trigger is always followed by a run that started
 * after it (the promise returned by trigger() resolves when that run has finished); a failing
 * run does not stop later ones (the error goes to onError).
 */
export class ExclusiveRunner {
  private running: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private dirty = false;
  private waiters: (() => void)[] = [];
  private closed = false;

  constructor(
    private readonly task: (signal: AbortSignal) => Promise<void>,
    private readonly onError: (error: unknown) => void = () => undefined,
  ) {}

  get busy(): boolean {
    return this.running !== undefined;
  }

  /**
   * Requests a run. `cancel: true` aborts the signal of the run in progress so it can end early
   * (the next run re-reads everything, so nothing is lost).
   */
  trigger(options: { cancel?: boolean } = {}): Promise<void> {
    if (this.closed) return Promise.resolve();
    const done = new Promise<void>((resolve) => this.waiters.push(resolve));
    if (this.running) {
      this.dirty = true;
      if (options.cancel) this.controller?.abort();
    } else {
      this.running = this.loop();
    }
    return done;
  }

  /** Waits for the current run (and any follow-up) to finish. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** No more runs; aborts the one in progress and waits for it. */
  async close(): Promise<void> {
    this.closed = true;
    this.controller?.abort();
    await this.idle();
  }

  private async loop(): Promise<void> {
    try {
      do {
        this.dirty = false;
        const waiters = this.waiters;
        this.waiters = [];
        this.controller = new AbortController();
        try {
          await this.task(this.controller.signal);
        } catch (error) {
          this.onError(error);
        }
        for (const resolve of waiters) resolve();
      } while (this.dirty && !this.closed);
    } finally {
      this.controller = undefined;
      this.running = undefined;
      for (const resolve of this.waiters.splice(0)) resolve();
    }
  }
}
