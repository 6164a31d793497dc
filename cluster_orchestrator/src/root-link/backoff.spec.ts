import { Backoff, backoffDelay } from './backoff';

describe('reconnect backoff', () => {
  const options = { baseMs: 500, maxMs: 30_000 };

  it.each<[number, number, number]>([
    // attempt, random, expected
    [0, 0, 250],
    [0, 1, 500],
    [1, 0, 500],
    [1, 1, 1_000],
    [3, 0.5, 3_000],
    [6, 1, 30_000], // 500·64 = 32 000 > cap
    [10, 0, 15_000],
    [1_000, 1, 30_000], // no overflow
  ])('attempt %p with random %p waits %p ms', (attempt, random, expected) => {
    expect(backoffDelay(attempt, options, () => random)).toBe(expected);
  });

  it('always stays within [ceiling/2, ceiling] and never exceeds the cap', () => {
    for (let attempt = 0; attempt < 40; attempt++) {
      const ceiling = Math.min(options.maxMs, options.baseMs * 2 ** attempt);
      for (const r of [0, 0.1, 0.5, 0.99, 1, -3, 7]) {
        const d = backoffDelay(attempt, options, () => r);
        expect(d).toBeGreaterThanOrEqual(Math.round(ceiling / 2));
        expect(d).toBeLessThanOrEqual(options.maxMs);
      }
    }
  });

  it('grows per attempt and starts over after reset()', () => {
    const backoff = new Backoff(options, () => 1);
    expect([backoff.next(), backoff.next(), backoff.next()]).toEqual([500, 1_000, 2_000]);
    expect(backoff.attempts).toBe(3);
    backoff.reset();
    expect(backoff.next()).toBe(500);
  });
});
