import { closeRedisClient, createRedisClient, redisRetryDelay } from './create-redis-client';

describe(redisRetryDelay.name, () => {
  it('backs off linearly and caps at 5 s', () => {
    expect(redisRetryDelay(1)).toBe(200);
    expect(redisRetryDelay(10)).toBe(2_000);
    expect(redisRetryDelay(1_000)).toBe(5_000);
  });
});

describe(closeRedisClient.name, () => {
  const silent = { info: jest.fn(), warn: jest.fn(), debug: jest.fn(), error: jest.fn() };

  it('also ends the copies made by duplicate() (BullMQ workers), even while they retry', async () => {
    // Nothing listens on port 1: both connections stay in their retry loop until closed.
    const client = createRedisClient({ url: 'redis://127.0.0.1:1' }, silent as never);
    const copy = client.duplicate();
    let attempts = 0;
    copy.on('error', () => attempts++);
    client.connect().catch(() => undefined);
    copy.connect().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(copy.status).not.toBe('end');
    expect(attempts).toBeGreaterThan(0);
    await closeRedisClient(client);
    const after = attempts;
    await new Promise((resolve) => setTimeout(resolve, 800)); // > 3 retry delays
    expect(attempts).toBe(after);
  });
});
