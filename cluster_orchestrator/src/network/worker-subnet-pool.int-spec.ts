import { loadLocalServices } from '@canopy/testing';
import { createConnection } from 'mongoose';
import request from 'supertest';
import {
  uniqueHost,
  workerBody,
  WORKER_TOKEN,
  WorkerClusterHarness,
} from '../workers/testing/worker-cluster.harness';

/**
 * A cluster without WORKER_SUBNET_POOL and no root reachable (real FerretDB, Redis, Mosquitto):
 * it has no pool until a Welcome brings one, so workers cannot join yet (503, they retry); a
 * cluster whose workers already hold subnets from before pools were assigned keeps the old default.
 */
describe('worker subnet pool before the root assigned one', () => {
  const harnesses: WorkerClusterHarness[] = [];

  afterAll(async () => {
    for (const h of harnesses) await h.close();
  });

  const status = async (h: WorkerClusterHarness): Promise<string> =>
    ((await request(h.server()).get('/api/cluster/status')).body as { worker_subnet_pool: string })
      .worker_subnet_pool;

  it('has none: registration answers 503 with why, nothing is claimed', async () => {
    const h = new WorkerClusterHarness({ WORKER_SUBNET_POOL: '' });
    harnesses.push(h);
    await h.start();
    expect(await status(h)).toBe('');
    const res = await h.postRegister({ join_token: WORKER_TOKEN, ...workerBody(uniqueHost('np')) });
    expect(res.status).toBe(503);
    expect(JSON.stringify(res.body)).toContain('no worker subnet pool yet');
    expect(await h.db().collection('worker_subnets').countDocuments()).toBe(0);
  });

  it('keeps the old default pool when its workers already hold subnets', async () => {
    const h = new WorkerClusterHarness({ WORKER_SUBNET_POOL: '' });
    harnesses.push(h);
    // The database as an earlier version left it: one worker subnet, no stored pool.
    const connection = await createConnection(loadLocalServices().mongoUrl, {
      dbName: h.config.mongoDatabase,
    }).asPromise();
    await connection
      .collection('worker_subnets')
      .insertOne({ worker_id: 'old-worker', subnet: '10.18.0.0/26', index: 0 } as never);
    await connection.close();
    await h.start();
    expect(await status(h)).toBe('10.18.0.0/16');
    const joined = await h.register(workerBody(uniqueHost('lg')));
    expect(joined.subnetwork).toBe('10.18.0.64/26');
  });
});
