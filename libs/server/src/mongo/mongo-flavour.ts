import mongoose from 'mongoose';

export interface MongoFlavour {
  kind: 'mongodb' | 'ferretdb' | 'unknown';
  version: string | undefined;
}

/**
 * FerretDB v1 (our dev/test stand-in, SQLite backend) applies a single-document update as
 * read-modify-write without isolation between connections: 20 concurrent `$inc`s on one document
 * over a 100-connection pool were measured to leave 5, and a conditional findOneAndUpdate let
 * 19 callers through a limit of 5. Over ONE connection it serialises and both are exact. Every
 * atomic reservation in Canopy (no over-commit, one winner per CAS) relies on that, so against
 * FerretDB the pool is one connection; against MongoDB the driver's default applies.
 */
export const FERRETDB_MAX_POOL_SIZE = 1;

/** Asks the server who it is (buildInfo carries `ferretdbVersion` on FerretDB). */
export async function detectMongoFlavour(url: string, timeoutMs = 5_000): Promise<MongoFlavour> {
  const client = new mongoose.mongo.MongoClient(url, {
    serverSelectionTimeoutMS: timeoutMs,
    connectTimeoutMS: timeoutMs,
    maxPoolSize: 1,
  });
  try {
    await client.connect();
    const info = await client.db('admin').command({ buildInfo: 1 });
    return flavourFromBuildInfo(info);
  } catch {
    return { kind: 'unknown', version: undefined };
  } finally {
    await client.close().catch(() => undefined);
  }
}

export function flavourFromBuildInfo(info: Record<string, unknown>): MongoFlavour {
  if (typeof info['ferretdbVersion'] === 'string') {
    return { kind: 'ferretdb', version: info['ferretdbVersion'] };
  }
  return {
    kind: 'mongodb',
    version: typeof info['version'] === 'string' ? info['version'] : undefined,
  };
}

/** Pool size for a flavour; undefined = the driver's default. Unknown is treated as FerretDB. */
export function maxPoolSizeFor(flavour: MongoFlavour): number | undefined {
  return flavour.kind === 'mongodb' ? undefined : FERRETDB_MAX_POOL_SIZE;
}
