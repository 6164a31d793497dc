/**
 * Capped exponential backoff with jitter, for reconnecting to the root.
 *
 * attempt n (0-based) waits d/2 + random·d/2 where d = min(max, base·2ⁿ) ("equal jitter"): half
 * of the delay is guaranteed, so a flapping root is not hammered, and the random half spreads
 * the clusters of a fleet that all lost the root at the same moment.
 */
export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export function backoffDelay(
  attempt: number,
  { baseMs, maxMs }: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 52); // 2^52 stays exact
  const ceiling = Math.min(maxMs, baseMs * 2 ** exponent);
  const r = Math.min(1, Math.max(0, random()));
  return Math.round(ceiling / 2 + (r * ceiling) / 2);
}

/** The attempt counter: `next()` gives the next delay, `reset()` after a session was established. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly options: BackoffOptions,
    private readonly random: () => number = Math.random,
  ) {}

  next(): number {
    return backoffDelay(this.attempt++, this.options, this.random);
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
