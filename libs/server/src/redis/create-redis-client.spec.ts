import { redisRetryDelay } from './create-redis-client';

describe(redisRetryDelay.name, () => {
  it('backs off linearly and caps at 5 s', () => {
    expect(redisRetryDelay(1)).toBe(200);
    expect(redisRetryDelay(10)).toBe(2_000);
    expect(redisRetryDelay(1_000)).toBe(5_000);
  });
});
