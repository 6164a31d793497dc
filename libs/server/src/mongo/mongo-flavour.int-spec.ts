import { loadLocalServices, uniqueName } from '@canopy/testing';
import mongoose, { Schema } from 'mongoose';
import { detectMongoFlavour, maxPoolSizeFor } from './mongo-flavour';

/**
 * The invariant every reservation in Canopy builds on: with the pool size MongoModule picks,
 * concurrent single-document updates are atomic and a conditional update has exactly as many
 * winners as the condition allows.
 */
describe('atomic single-document updates with the pool MongoModule chooses', () => {
  const { mongoUrl } = loadLocalServices();
  let conn: mongoose.Connection;

  beforeAll(async () => {
    const flavour = await detectMongoFlavour(mongoUrl);
    expect(flavour.kind).not.toBe('unknown');
    const maxPoolSize = maxPoolSizeFor(flavour);
    conn = await mongoose
      .createConnection(mongoUrl, {
        dbName: uniqueName('atomic'),
        ...(maxPoolSize ? { maxPoolSize } : {}),
      })
      .asPromise();
  });

  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('detects the local FerretDB', async () => {
    expect(await detectMongoFlavour(mongoUrl)).toMatchObject({ kind: 'ferretdb' });
  });

  it('loses no concurrent $inc', async () => {
    const Counter = conn.model('Counter', new Schema({ _id: String, n: Number }));
    await Counter.create({ _id: 'c', n: 0 });
    await Promise.all(
      Array.from({ length: 40 }, () => Counter.updateOne({ _id: 'c' }, { $inc: { n: 1 } })),
    );
    expect((await Counter.findById('c').lean())?.n).toBe(40);
  });

  it('lets exactly `capacity` concurrent reservations through a conditional update', async () => {
    // The shape reservations take: compare a stored remainder with a constant (FerretDB v1 has
    // no $expr comparison operators), then decrement it in the same update.
    const Worker = conn.model('Worker', new Schema({ _id: String, free_memory: Number }));
    await Worker.create({ _id: 'w1', free_memory: 500 });
    const results = await Promise.all(
      Array.from({ length: 30 }, () =>
        Worker.findOneAndUpdate(
          { _id: 'w1', free_memory: { $gte: 100 } },
          { $inc: { free_memory: -100 } },
          { new: true },
        ),
      ),
    );
    expect(results.filter((r) => r !== null)).toHaveLength(5);
    expect((await Worker.findById('w1').lean())?.free_memory).toBe(0);
  });

  it('fails fast and reports unknown for an unreachable server', async () => {
    expect(await detectMongoFlavour('mongodb://127.0.0.1:1', 500)).toEqual({
      kind: 'unknown',
      version: undefined,
    });
  });
});
