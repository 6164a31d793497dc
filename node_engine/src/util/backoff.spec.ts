import { backoffDelay, sleep } from './backoff';

describe(backoffDelay.name, () => {
  const policy = { baseMs: 1_000, maxMs: 60_000 };

  it('doubles per attempt from the base and stops at the cap', () => {
    expect([0, 1, 2, 3, 4, 5, 6, 7, 50].map((a) => backoffDelay(a, policy))).toEqual([
      1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000,
    ]);
  });

  it('spreads by at most ±20 % and never beyond the cap', () => {
    expect(backoffDelay(2, policy, 0)).toBe(3_200);
    expect(backoffDelay(2, policy, 0.999)).toBeLessThanOrEqual(4_800);
    expect(backoffDelay(10, policy, 0.999)).toBe(60_000);
  });

  it('treats negative and fractional attempts sanely', () => {
    expect(backoffDelay(-3, policy)).toBe(1_000);
    expect(backoffDelay(1.7, policy)).toBe(2_000);
  });
});

describe(sleep.name, () => {
  it('ends early when aborted', async () => {
    const controller = new AbortController();
    const started = Date.now();
    const slept = sleep(10_000, controller.signal);
    controller.abort();
    await slept;
    expect(Date.now() - started).toBeLessThan(1_000);
  });
});
