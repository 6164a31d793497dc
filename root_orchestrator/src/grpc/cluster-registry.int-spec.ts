import { ClusterRegistryRoute } from '@canopy/contracts';
import { CLUSTER_SESSION_PROTOCOL_VERSION } from '@canopy/contracts/grpc';
import * as grpc from '@grpc/grpc-js';
import { createTestPki } from '@canopy/testing';
import request from 'supertest';
import {
  adminLogin,
  bearer,
  createUser,
  eventually,
  type RootTestApp,
  startRootWithGrpc,
} from '../testing/root-test-app';
import { RawClusterClient } from './testing/raw-cluster-client';

type Json = Record<string, unknown>;
const BOOTSTRAP = 'bootstrap-token-for-the-integration-test';

const aggregate = {
  cpu_percent: 12.5,
  memory_percent: 40,
  vcpus: 8,
  memory: 16384,
  vram: 0,
  vgpus: 1,
  virtualization: ['docker'],
  supported_addons: [],
  csi_drivers: [],
  gpu_drivers: [],
  active_nodes: 2,
  vram_percent: 0,
  gpu_temp: 0,
  gpu_percent: 5,
};

function code(error: unknown): number | undefined {
  return (error as { code?: number }).code;
}

async function refused(
  promise: Promise<unknown>,
): Promise<{ code: number | undefined; details: string }> {
  try {
    await promise;
  } catch (error) {
    return { code: code(error), details: (error as { details?: string }).details ?? '' };
  }
  throw new Error('expected the call to be refused');
}

const startRoot = (env: Record<string, string> = {}) => startRootWithGrpc(BOOTSTRAP, env);

describe('cluster registration and sessions (root in-process, real gRPC, FerretDB, Redis)', () => {
  let root: RootTestApp;
  let client: RawClusterClient;
  let adminToken: string;

  beforeAll(async () => {
    const started = await startRoot();
    root = started.root;
    client = new RawClusterClient(started.address);
    adminToken = (await adminLogin(root)).token;
  });

  afterAll(async () => {
    client.close();
    await root.close();
  });

  const clusters = async (): Promise<Json[]> =>
    (await request(root.url).get(ClusterRegistryRoute.CLUSTERS).expect(200)).body as Json[];

  const newToken = async (body: Json = {}): Promise<Json> =>
    (
      await request(root.url)
        .post(ClusterRegistryRoute.JOIN_TOKENS)
        .set(bearer(adminToken))
        .send(body)
        .expect(200)
    ).body as Json;

  it('answers the greeting like Oakestra, and refuses a malformed one', async () => {
    expect(await client.greet('{"cluster_name":"x","location":"1,2,3"}')).toEqual({
      hello_cluster_manager: 'please send your cluster info',
    });
    const error = await refused(client.greet('hello?'));
    expect(error.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(error.details).toContain('must be JSON');
  });

  it('refuses a new cluster without a token (UNAUTHENTICATED) or with an unknown one (PERMISSION_DENIED)', async () => {
    const none = await refused(client.register({ cluster_name: 'no-token' }));
    expect(none).toEqual({
      code: grpc.status.UNAUTHENTICATED,
      details: 'a join token is required to register a new cluster (set CLUSTER_JOIN_TOKEN)',
    });
    const wrong = await refused(client.register({ cluster_name: 'wrong', join_token: 'cjt_nope' }));
    expect(wrong).toEqual({
      code: grpc.status.PERMISSION_DENIED,
      details: 'the join token is not valid (unknown to this root)',
    });
    expect(await clusters()).toEqual([]);
  });

  it('issues a one-use token, shows it once, registers with it, and refuses its second use', async () => {
    const token = await newToken({ description: 'hall 2' });
    expect(token).toMatchObject({
      description: 'hall 2',
      max_uses: 1,
      uses: 0,
      state: 'active',
      created_by: 'Admin',
      token: expect.stringMatching(/^cjt_/),
    });
    const listed = (
      await request(root.url)
        .get(ClusterRegistryRoute.JOIN_TOKENS)
        .set(bearer(adminToken))
        .expect(200)
    ).body as Json[];
    expect(JSON.stringify(listed)).not.toContain(token['token'] as string);

    const answer = await client.register({
      cluster_name: 'hall-2',
      cluster_location: '48.1374,11.5755,25',
      join_token: token['token'] as string,
    });
    expect(answer.id).toMatch(/^[0-9a-f]{24}$/);
    expect(answer.cluster_secret).toMatch(/^ccs_/);

    const second = await refused(
      client.register({ cluster_name: 'hall-3', join_token: token['token'] as string }),
    );
    expect(second).toEqual({
      code: grpc.status.PERMISSION_DENIED,
      details: 'the join token has been used up',
    });

    const [cluster] = await clusters();
    expect(cluster).toMatchObject({
      _id: answer.id,
      cluster_name: 'hall-2',
      cluster_location: '48.1374,11.5755,25',
      ip: '127.0.0.1',
      port: 10100,
      active: false,
      connected: false,
    });
    expect(JSON.stringify(cluster)).not.toMatch(/secret/);
    const after = (
      await request(root.url)
        .get(ClusterRegistryRoute.JOIN_TOKENS)
        .set(bearer(adminToken))
        .expect(200)
    ).body as Json[];
    expect(after.find((t) => t['id'] === token['id'])).toMatchObject({
      uses: 1,
      state: 'used_up',
      clusters: [answer.id],
    });
  });

  it('re-registers a cluster with its id and secret as itself (no duplicate, no new secret)', async () => {
    const first = await client.register({ cluster_name: 'site-a', join_token: BOOTSTRAP });
    const again = await client.register({
      cluster_name: 'site-a',
      cluster_location: '52.52,13.40,10',
      join_token: BOOTSTRAP,
      cluster_id: first.id,
      cluster_secret: first.cluster_secret,
    });
    expect(again).toEqual({ id: first.id, cluster_secret: '' });
    const named = (await clusters()).filter((c) => c['cluster_name'] === 'site-a');
    expect(named).toHaveLength(1);
    expect(named[0]?.['cluster_location']).toBe('52.52,13.40,10');

    const impostor = await refused(
      client.register({
        cluster_name: 'site-a',
        join_token: BOOTSTRAP,
        cluster_id: first.id,
        cluster_secret: 'ccs_guess',
      }),
    );
    expect(impostor.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(impostor.details).toContain('secret does not match');

    const duplicate = await refused(
      client.register({ cluster_name: 'site-a', join_token: BOOTSTRAP }),
    );
    expect(duplicate.code).toBe(grpc.status.ALREADY_EXISTS);
    expect(duplicate.details).toContain(
      `a cluster named "site-a" is registered already (id ${first.id})`,
    );
  });

  it('refuses a revoked token; only an Admin manages tokens', async () => {
    const token = await newToken({ max_uses: 5, ttl_seconds: 0 });
    expect(token['expires_at']).toBeNull();
    const revoked = await request(root.url)
      .delete(`${ClusterRegistryRoute.JOIN_TOKENS}/${token['id'] as string}`)
      .set(bearer(adminToken))
      .expect(200);
    expect(revoked.body).toMatchObject({ state: 'revoked', revoked_at: expect.any(String) });
    const error = await refused(
      client.register({ cluster_name: 'late', join_token: token['token'] as string }),
    );
    expect(error).toEqual({
      code: grpc.status.PERMISSION_DENIED,
      details: 'the join token has been revoked',
    });

    await request(root.url).post(ClusterRegistryRoute.JOIN_TOKENS).send({}).expect(401);
    const bob = await createUser(root, adminToken, 'bob');
    await request(root.url)
      .post(ClusterRegistryRoute.JOIN_TOKENS)
      .set(bearer(bob.token))
      .send({})
      .expect(403);
    await request(root.url)
      .get(ClusterRegistryRoute.JOIN_TOKENS)
      .set(bearer(bob.token))
      .expect(403);
    await request(root.url)
      .post(ClusterRegistryRoute.JOIN_TOKENS)
      .set(bearer(adminToken))
      .send({ max_uses: 0, extra: 1 })
      .expect(400);
    await request(root.url)
      .delete(`${ClusterRegistryRoute.JOIN_TOKENS}/0123456789abcdef01234567`)
      .set(bearer(adminToken))
      .expect(404);
  });

  it('an Admin can forget a cluster; its old identity is then refused for sessions and it joins anew', async () => {
    const first = await client.register({ cluster_name: 'lost-site', join_token: BOOTSTRAP });
    const bob = await createUser(root, adminToken, 'carol');
    await request(root.url).delete(`/api/clusters/${first.id}`).set(bearer(bob.token)).expect(403);
    await request(root.url)
      .delete(`/api/clusters/${first.id}`)
      .set(bearer(adminToken))
      .expect(200, { message: 'Cluster removed' });
    await request(root.url).delete(`/api/clusters/${first.id}`).set(bearer(adminToken)).expect(404);
    expect((await clusters()).some((c) => c['_id'] === first.id)).toBe(false);

    const session = client.connect();
    session.send({
      hello: {
        cluster_id: first.id,
        cluster_secret: first.cluster_secret,
        protocol_version: 1,
        report_interval_ms: 1000,
        worker_subnet_pool: '',
      },
    });
    expect((await session.ended).code).toBe(grpc.status.UNAUTHENTICATED);

    const again = await client.register({
      cluster_name: 'lost-site',
      join_token: BOOTSTRAP,
      cluster_id: first.id,
      cluster_secret: first.cluster_secret,
    });
    expect(again.id).not.toBe(first.id);
    expect(again.cluster_secret).toMatch(/^ccs_/);
  });

  it('a wrong token learns nothing about taken names', async () => {
    await client.register({ cluster_name: 'taken-name', join_token: BOOTSTRAP });
    const error = await refused(
      client.register({ cluster_name: 'taken-name', join_token: 'cjt_x' }),
    );
    expect(error).toEqual({
      code: grpc.status.PERMISSION_DENIED,
      details: 'the join token is not valid (unknown to this root)',
    });
  });

  it('a session needs a Hello with the right secret first (UNAUTHENTICATED otherwise)', async () => {
    const { id } = await client.register({ cluster_name: 'session-a', join_token: BOOTSTRAP });
    const wrong = client.connect();
    wrong.send({
      hello: {
        cluster_id: id,
        cluster_secret: 'ccs_wrong',
        protocol_version: 1,
        report_interval_ms: 1000,
        worker_subnet_pool: '',
      },
    });
    expect(await wrong.ended).toMatchObject({ code: grpc.status.UNAUTHENTICATED });
    expect(wrong.received).toEqual([]);

    const reportFirst = client.connect();
    reportFirst.send({
      report: {
        cluster_id: id,
        seq: 1,
        instances: [],
        aggregation_per_architecture: {},
        tunnel_peers: [],
      },
    });
    const status = await reportFirst.ended;
    expect(status.code).toBe(grpc.status.UNAUTHENTICATED);
    expect(status.details).toContain('the first message of a session must be a Hello');
  });

  it('Hello → Welcome; a Report makes the cluster active with Oakestra fields; a closed stream makes it inactive at once', async () => {
    const { id, cluster_secret } = await client.register({
      cluster_name: 'session-b',
      cluster_location: '48.1374,11.5755,25',
      join_token: BOOTSTRAP,
    });
    const session = client.connect();
    session.send({
      hello: {
        cluster_id: id,
        cluster_secret,
        protocol_version: 1,
        report_interval_ms: 1000,
        worker_subnet_pool: '',
      },
    });
    const welcome = await session.next((m) => m.welcome !== undefined && m.welcome !== null);
    expect(welcome.welcome).toEqual({
      cluster_id: id,
      protocol_version: CLUSTER_SESSION_PROTOCOL_VERSION,
      report_interval_seconds: 0,
      // The Hello named no pool: the root assigns the first block of CLUSTER_SUBNET_SPACE.
      worker_subnet_pool: '10.18.0.0/20',
    });
    session.send({
      report: {
        cluster_id: id,
        seq: 1,
        aggregate,
        aggregation_per_architecture: { amd64: aggregate },
        instances: [],
        tunnel_peers: [],
      },
    });
    const active = await eventually(async () => {
      const list = (await request(root.url).get(ClusterRegistryRoute.CLUSTERS_ACTIVE).expect(200))
        .body as Json[];
      return list.find((c) => c['_id'] === id);
    });
    expect(active).toMatchObject({
      cluster_name: 'session-b',
      active: true,
      connected: true,
      aggregated_cpu_percent: 12.5,
      aggregated_memory_percent: 40,
      memory_in_mb: 16384,
      total_cpu_cores: 8,
      total_gpu_cores: 1,
      total_gpu_percent: 5,
      active_nodes: 2,
      virtualization: ['docker'],
      report_interval_ms: 1000,
      worker_subnet_pool: '10.18.0.0/20',
      inactive_since: null,
      aggregation_per_architecture: { amd64: expect.objectContaining({ vcpus: 8, memory: 16384 }) },
    });
    expect(active['last_modified_timestamp']).toBeGreaterThan(Date.now() / 1000 - 60);

    session.close();
    await eventually(
      async () => {
        const list = (await request(root.url).get(ClusterRegistryRoute.CLUSTERS_ACTIVE).expect(200))
          .body as Json[];
        return list.some((c) => c['_id'] === id) ? undefined : true;
      },
      5_000,
      'the cluster to become inactive',
    );
    const all = await clusters();
    expect(all.find((c) => c['_id'] === id)).toMatchObject({
      active: false,
      connected: false,
      inactive_since: expect.any(String),
    });
  });

  it('a newer session of the same cluster replaces the older one', async () => {
    const { id, cluster_secret } = await client.register({
      cluster_name: 'session-c',
      join_token: BOOTSTRAP,
    });
    const hello = {
      hello: {
        cluster_id: id,
        cluster_secret,
        protocol_version: 1,
        report_interval_ms: 1000,
        worker_subnet_pool: '',
      },
    };
    const older = client.connect();
    older.send(hello);
    await older.next((m) => Boolean(m.welcome));
    const newer = client.connect();
    newer.send(hello);
    await newer.next((m) => Boolean(m.welcome));
    expect((await older.ended).code).toBe(grpc.status.OK);
    newer.send({
      report: {
        cluster_id: id,
        seq: 1,
        aggregate,
        aggregation_per_architecture: {},
        instances: [],
        tunnel_peers: [],
      },
    });
    await eventually(async () => {
      const list = (await request(root.url).get(ClusterRegistryRoute.CLUSTERS_ACTIVE).expect(200))
        .body as Json[];
      return list.find((c) => c['_id'] === id);
    });
    newer.close();
  });

  it('a silent session (no report for 3 periods) makes the cluster inactive and is closed by the root', async () => {
    const { id, cluster_secret } = await client.register({
      cluster_name: 'session-d',
      join_token: BOOTSTRAP,
    });
    const session = client.connect();
    session.send({
      hello: {
        cluster_id: id,
        cluster_secret,
        protocol_version: 1,
        report_interval_ms: 300,
        worker_subnet_pool: '',
      },
    });
    await session.next((m) => Boolean(m.welcome));
    const started = Date.now();
    expect((await session.ended).code).toBe(grpc.status.OK); // closed by the liveness check
    expect(Date.now() - started).toBeLessThan(5_000);
    const cluster = (await clusters()).find((c) => c['_id'] === id);
    expect(cluster).toMatchObject({ active: false });
  });
});

describe('cluster gRPC over mutual TLS', () => {
  const pki = createTestPki();
  let root: RootTestApp;
  let address: string;

  beforeAll(async () => {
    ({ root, address } = await startRoot({
      ROOT_GRPC_TLS_CERT: pki.serverCert,
      ROOT_GRPC_TLS_KEY: pki.serverKey,
      ROOT_GRPC_TLS_CA: pki.caCert,
    }));
  });

  afterAll(() => root.close());

  it('registers a cluster presenting a certificate signed by the CA', async () => {
    const client = new RawClusterClient(
      address,
      grpc.credentials.createSsl(
        pki.pem(pki.caCert),
        pki.pem(pki.clientKey),
        pki.pem(pki.clientCert),
      ),
    );
    const answer = await client.register({ cluster_name: 'tls-site', join_token: BOOTSTRAP });
    expect(answer.id).toMatch(/^[0-9a-f]{24}$/);
    client.close();
  });

  it('refuses a client without a certificate, and a plaintext client', async () => {
    const noCert = new RawClusterClient(address, grpc.credentials.createSsl(pki.pem(pki.caCert)));
    expect(
      (await refused(noCert.register({ cluster_name: 'x', join_token: BOOTSTRAP }))).code,
    ).toBe(grpc.status.UNAVAILABLE);
    noCert.close();
    const plain = new RawClusterClient(address);
    expect((await refused(plain.register({ cluster_name: 'y', join_token: BOOTSTRAP }))).code).toBe(
      grpc.status.UNAVAILABLE,
    );
    plain.close();
  });
});
