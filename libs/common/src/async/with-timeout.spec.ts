import { TimeoutError, withTimeout } from './with-timeout';

describe(withTimeout.name, () => {
  it('returns the value when the promise settles in time', async () => {
    await expect(withTimeout(Promise.resolve(42), 100, 'answer')).resolves.toBe(42);
  });

  it('passes the original rejection through', async () => {
    await expect(withTimeout(Promise.reject(new Error('boom')), 100, 'answer')).rejects.toThrow(
      'boom',
    );
  });

  it('rejects with a TimeoutError naming the operation', async () => {
    const never = new Promise<number>(() => undefined);
    const result = withTimeout(never, 20, 'redis ping');
    await expect(result).rejects.toBeInstanceOf(TimeoutError);
    await expect(result).rejects.toThrow('redis ping timed out after 20ms');
  });
});
