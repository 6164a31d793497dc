import mongoose, { Schema } from 'mongoose';
import { loadLocalServices, uniqueName } from '../index';

/** FerretDB stands in for MongoDB: prove mongoose writes, reads and enforces unique indexes. */
describe('MongoDB wire (FerretDB) through mongoose', () => {
  const services = loadLocalServices();
  const dbName = uniqueName('infra');
  let conn: mongoose.Connection;

  beforeAll(async () => {
    conn = await mongoose
      .createConnection(services.mongoUrl, { dbName, serverSelectionTimeoutMS: 5000 })
      .asPromise();
  });

  afterAll(async () => {
    await conn.dropDatabase();
    await conn.close();
  });

  it('writes and reads documents and rejects a duplicate on a unique index', async () => {
    const Widget = conn.model(
      'Widget',
      new Schema({ name: { type: String, required: true, unique: true }, size: Number }),
    );
    await Widget.init(); // builds the unique index before the first insert

    await Widget.create({ name: 'alpha', size: 1 });
    await Widget.create({ name: 'beta', size: 2 });
    const found = await Widget.find().sort({ name: 1 }).lean();
    expect(found.map((w) => [w.name, w.size])).toEqual([
      ['alpha', 1],
      ['beta', 2],
    ]);

    await expect(Widget.create({ name: 'alpha', size: 3 })).rejects.toMatchObject({ code: 11000 });
    expect(await Widget.countDocuments({ name: 'alpha' })).toBe(1);
  });
});
