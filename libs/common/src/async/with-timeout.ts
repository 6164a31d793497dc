export class TimeoutError extends Error {
  override readonly name = 'TimeoutError';
}

/**
 * Rejects with a TimeoutError when `promise` has not settled within `ms`. The underlying work is
 * not cancelled (most clients cannot cancel a command in flight); callers use this where an answer
 * that comes late is as bad as none, e.g. health checks.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(`${what} timed out after ${ms}ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
