import { Queue, QueueEvents, Worker } from 'bullmq';
import IORedis from 'ioredis';
import { loadLocalServices, uniqueName } from '../index';

describe('BullMQ through Redis', () => {
  const services = loadLocalServices();
  const prefix = uniqueName('canopy-test');
  const connection = new IORedis(services.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue('roundtrip', { connection, prefix });
  const events = new QueueEvents('roundtrip', { connection: connection.duplicate(), prefix });
  let worker: Worker | undefined;

  afterAll(async () => {
    await worker?.close();
    await events.close();
    await queue.obliterate({ force: true });
    await queue.close();
    await connection.quit();
  });

  it('round-trips a job: enqueue, process in a worker, read the result back', async () => {
    await events.waitUntilReady();
    worker = new Worker(
      'roundtrip',
      async (job) => ({ doubled: (job.data as { n: number }).n * 2, attempt: job.attemptsMade }),
      { connection: connection.duplicate(), prefix },
    );
    const job = await queue.add('double', { n: 21 }, { jobId: 'deterministic-1' });
    const result = await job.waitUntilFinished(events, 15_000);
    expect(result).toEqual({ doubled: 42, attempt: 0 });
  });

  it('deduplicates by deterministic job id', async () => {
    await worker?.pause();
    const a = await queue.add('double', { n: 1 }, { jobId: 'same-id' });
    const b = await queue.add('double', { n: 2 }, { jobId: 'same-id' });
    expect(b.id).toBe(a.id);
    const stored = await queue.getJob('same-id');
    expect(stored?.data).toEqual({ n: 1 });
    worker?.resume();
  });
});
