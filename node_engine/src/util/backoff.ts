export interface BackoffPolicy {
  /** Delay before the first retry. */
  baseMs: number;
  /** Cap: no delay is longer. */
  maxMs: number;
}

/**
 * Exponential backoff: `baseMs × 2^attempt`, capped at `maxMs` (attempt 0 = first retry).
 * `jitter` in [0, 1) spreads retries of many workers (e.g. after a cluster outage) by up to
 * ±20 %; pass 0.5 (the default) for the plain value.
 */
export function backoffDelay(attempt: number, policy: BackoffPolicy, jitter = 0.5): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const plain = Math.min(policy.baseMs * 2 ** exponent, policy.maxMs);
  const spread = 1 + (jitter - 0.5) * 0.4;
  return Math.max(0, Math.round(Math.min(plain * spread, policy.maxMs)));
}

/** setTimeout as a promise that an AbortSignal can end early (resolves, never rejects). */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
