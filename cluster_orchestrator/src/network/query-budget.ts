/**
 * Per-worker budget of table queries: at most `limit` within any `windowMs` (a sliding window of
 * timestamps). A worker's net manager asks at most ~20 times a second (its nftables trace rule is
 * rate-limited, misses are de-duplicated); the budget stops a misbehaving or hostile client that
 * publishes queries directly from turning each into a question to the root. Pure, in memory.
 */
export class QueryBudget {
  private readonly recent = new Map<string, number[]>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    /** Bound on tracked workers (memory), far above a cluster's size. */
    private readonly maxWorkers = 10_000,
  ) {}

  /** True (and counted) when `workerId` may ask now. */
  take(workerId: string, now: number): boolean {
    const since = now - this.windowMs;
    const times = (this.recent.get(workerId) ?? []).filter((t) => t > since);
    if (times.length >= this.limit) {
      this.recent.set(workerId, times);
      return false;
    }
    times.push(now);
    if (!this.recent.has(workerId) && this.recent.size >= this.maxWorkers) this.recent.clear();
    this.recent.set(workerId, times);
    return true;
  }
}
