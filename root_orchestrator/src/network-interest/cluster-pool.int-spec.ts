import { ClusterRegistryRoute } from '@canopy/contracts';
import request from 'supertest';
import { RawClusterClient } from '../grpc/testing/raw-cluster-client';
import { type RootTestApp, startRootWithGrpc } from '../testing/root-test-app';

const TOKEN = 'cjt_cluster_pool_test_token_0123';

/**
 * Worker subnet pools for clusters that bring none (root in-process, real gRPC, real FerretDB):
 * each gets its own block of CLUSTER_SUBNET_SPACE in its Welcome, the same one again on every
 * session; a cluster's own pool is echoed and taken into account.
 */
describe('cluster worker subnet pools from the root', () => {
  let root: RootTestApp;
  let client: RawClusterClient;

  /** Registers a cluster, opens a session with `pool` in the Hello; the Welcome's pool. */
  const session = async (
    name: string,
    pool: string,
    known?: { id: string; secret: string },
  ): Promise<{ id: string; secret: string; welcomed: string; end: () => void }> => {
    let identity = known;
    if (identity === undefined) {
      const registered = await client.register({ cluster_name: name, join_token: TOKEN });
      identity = { id: registered.id, secret: registered.cluster_secret };
    }
    const probe = client.connect();
    probe.send({
      hello: {
        cluster_id: identity.id,
        cluster_secret: identity.secret,
        protocol_version: 1,
        report_interval_ms: 60_000,
        worker_subnet_pool: pool,
      },
    });
    const welcome = await probe.next((m) => Boolean(m.welcome));
    return {
      ...identity,
      welcomed: welcome.welcome?.worker_subnet_pool ?? '?',
      end: () => probe.close(),
    };
  };

  beforeAll(async () => {
    const started = await startRootWithGrpc(TOKEN, {
      CLUSTER_SUBNET_SPACE: '10.18.0.0/18',
      CLUSTER_SUBNET_PREFIX: '20',
    });
    root = started.root;
    client = new RawClusterClient(started.address);
  });

  afterAll(async () => {
    client?.close();
    await root?.close();
  });

  it('assigns disjoint blocks, keeps them across sessions, respects own pools, and runs out cleanly', async () => {
    // Two clusters connecting at the same moment never get the same block.
    const [a, b] = await Promise.all([session('pool-a', ''), session('pool-b', '')]);
    expect(new Set([a.welcomed, b.welcomed])).toEqual(new Set(['10.18.0.0/20', '10.18.16.0/20']));
    // A cluster with its own pool keeps it (echoed); the root assigns around it.
    const own = await session('pool-own', '10.18.32.0/20');
    expect(own.welcomed).toBe('10.18.32.0/20');
    const c = await session('pool-c', '');
    expect(c.welcomed).toBe('10.18.48.0/20');
    // The space (a /18 = 4 blocks) is used up: an empty pool, not a shared one.
    const d = await session('pool-d', '');
    expect(d.welcomed).toBe('');
    // A new session of a cluster that lost what it was given gets the same block again.
    a.end();
    const again = await session('pool-a', '', { id: a.id, secret: a.secret });
    expect(again.welcomed).toBe(a.welcomed);
    const listed = (await request(root.url).get(ClusterRegistryRoute.CLUSTERS)).body as {
      cluster_name: string;
      worker_subnet_pool: string;
    }[];
    expect(
      Object.fromEntries(listed.map((x) => [x.cluster_name, x.worker_subnet_pool])),
    ).toMatchObject({
      'pool-a': a.welcomed,
      'pool-b': b.welcomed,
      'pool-own': '10.18.32.0/20',
      'pool-c': '10.18.48.0/20',
      'pool-d': '',
    });
    for (const s of [again, b, own, c, d]) s.end();
  });
});
