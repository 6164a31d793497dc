import { ClusterRoute, MqttTopics } from '@canopy/contracts';
import request from 'supertest';
import {
  CONNACK_NOT_AUTHORIZED,
  eventually,
  uniqueHexId,
  uniqueHost,
  WORKER_TOKEN,
  workerBody,
  WorkerClusterHarness,
} from './testing/worker-cluster.harness';

/**
 * The worker handshake over HTTP against the whole cluster app (real FerretDB, Redis and
 * Mosquitto with the dynamic-security plugin): identity, join token, validation of hostile
 * bodies, per-worker MQTT credentials, and the capacity the scheduler will reserve from.
 */
describe('POST /api/node/register (cluster in-process, real FerretDB, Redis, Mosquitto)', () => {
  const h = new WorkerClusterHarness();

  beforeAll(() => h.start());
  afterAll(() => h.close());

  const workersCollection = () => h.documents('workers');
  const withToken = (body: Record<string, unknown>) => ({ join_token: WORKER_TOKEN, ...body });

  it('valid body + join token → 200 with the worker id and MQTT credentials that work', async () => {
    const host = uniqueHost('reg-ok');
    const res = await h.postRegister(withToken(workerBody(host))).expect(200);
    const body = res.body as Record<string, string>;
    const id = body['id'] as string;
    h.track(id);

    expect(Object.keys(body)).toEqual(
      expect.arrayContaining(['MQTT_BROKER_PORT', 'id', 'mqtt_password', 'mqtt_username']),
    );
    expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(body['MQTT_BROKER_PORT']).toBe(new URL(h.services.mqttUrl).port);
    expect(body['mqtt_username']).toBe(`canopy-worker-${id}`);
    expect(body['mqtt_password']).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(res.text).not.toContain(WORKER_TOKEN);

    const stored = await h
      .db()
      .collection('workers')
      .findOne({ _id: id as never });
    expect(stored).toMatchObject({
      host,
      mqtt_username: `canopy-worker-${id}`,
      link_status: 'online',
      capacity: { vcpus: 4, memory: 256, vgpus: 0 },
      free: { vcpus: 4, memory: 256, vgpus: 0 },
    });
    // The join token is a secret: it is not kept with the worker's facts.
    expect(JSON.stringify(stored)).not.toContain(WORKER_TOKEN);

    // The credentials connect, and the worker can publish on its own information topic...
    const worker = await h.connect({
      username: body['mqtt_username'] as string,
      password: body['mqtt_password'] as string,
    });
    const information = MqttTopics.nodeInformation(id);
    await h.watch([information]);
    await worker.publishAsync(information, JSON.stringify({ cpu_percent: 42.5 }), { qos: 1 });
    await eventually(
      () => (h.receivedOn(information).length > 0 ? true : undefined),
      5_000,
      'the information message at the broker',
    );
    expect(h.receivedOn(information)[0]?.body).toEqual({ cpu_percent: 42.5 });
    // ...which the cluster reads as this worker's facts.
    await eventually(
      async () => ((await h.worker(id)).cpu_percent === 42.5 ? true : undefined),
      5_000,
      'the cluster to record cpu_percent',
    );
    // ...and subscribe to its own control topics.
    await expect(
      worker.subscribeAsync(MqttTopics.nodeControlDeploy(id), { qos: 1 }),
    ).resolves.toEqual([expect.objectContaining({ qos: 1 })]);
  });

  it('capacity comes from allocatable_vcpus/allocatable_memory and shows in GET /api/workers', async () => {
    const host = uniqueHost('reg-cap');
    const worker = await h.register(
      workerBody(host, {
        vcpus: 8,
        memory: 16_000,
        allocatable_vcpus: 3,
        allocatable_memory: 1000,
        labels: { zone: 'hall-2' },
      }),
    );
    const view = await h.worker(worker.id);
    expect(view).toMatchObject({
      id: worker.id,
      host,
      ip: '198.18.0.2',
      architecture: 'amd64',
      active: true,
      link_status: 'online',
      virtualization: ['docker'],
      labels: { zone: 'hall-2' },
      capacity: { vcpus: 3, memory: 1000, vgpus: 0 },
      free: { vcpus: 3, memory: 1000, vgpus: 0 },
      cpu_percent: 3.5,
      memory_percent: 20,
      instances: 0,
    });
    expect(Date.parse(view.last_seen)).toBeGreaterThan(Date.now() - 60_000);

    // An Oakestra worker sends no allocatable amounts: its cores and available memory count.
    const oakestra = await h.register(
      workerBody(uniqueHost('reg-oak'), {
        allocatable_vcpus: undefined,
        allocatable_memory: undefined,
        vcpus: 6,
        memory: 3000,
      }),
    );
    expect(await h.worker(oakestra.id)).toMatchObject({
      capacity: { vcpus: 6, memory: 3000, vgpus: 0 },
      free: { vcpus: 6, memory: 3000, vgpus: 0 },
    });
  });

  describe('a missing or wrong join token → 401, nothing stored', () => {
    it.each<[string, Record<string, unknown>, string]>([
      ['missing', {}, 'join_token is required to join this cluster'],
      ['wrong', { join_token: 'wjt_someone_elses_token_000' }, 'is not valid'],
      ['empty', { join_token: '' }, 'is not valid'],
      ['a prefix of the right one', { join_token: WORKER_TOKEN.slice(0, -1) }, 'is not valid'],
      ['the right one plus a suffix', { join_token: `${WORKER_TOKEN}x` }, 'is not valid'],
      ['the right one in other case', { join_token: WORKER_TOKEN.toUpperCase() }, 'is not valid'],
    ])('%s token', async (_what, token, message) => {
      const before = await workersCollection();
      const host = uniqueHost('reg-401');
      const res = await h.postRegister({ ...workerBody(host), ...token }).expect(401);
      expect(res.body).toMatchObject({ statusCode: 401, error: 'UNAUTHORIZED' });
      expect(res.body.message).toContain(message);
      expect(res.body).not.toHaveProperty('id');
      expect(res.text).not.toContain(WORKER_TOKEN);
      expect(await workersCollection()).toEqual(before);
      expect((await h.workers()).some((w) => w.host === host)).toBe(false);
    });
  });

  describe('malformed bodies → 4xx (never 5xx), workers collection unchanged', () => {
    const json = (text: string) => (): request.Test =>
      request(h.server())
        .post(ClusterRoute.NODE_REGISTER)
        .set('Content-Type', 'application/json')
        .send(text);
    const body = (value: unknown) => (): request.Test => h.postRegister(value);
    const token = JSON.stringify(WORKER_TOKEN);
    const deep = (depth: number): string => '{"a":'.repeat(depth) + '1' + '}'.repeat(depth);

    // [case, request, expected status, a path expected in `details` (422 only)]
    const cases: [string, () => request.Test, number, string?][] = [
      ['missing host', body(withToken({ ip: '1.2.3.4' })), 422, 'host'],
      ['empty host', body(withToken({ host: '' })), 422, 'host'],
      ['host is a number', body(withToken({ host: 123 })), 422, 'host'],
      ['host is an object', body(withToken({ host: { $gt: '' } })), 422, 'host'],
      ['vcpus is a string', body(withToken(workerBody('h1', { vcpus: 'four' }))), 422, 'vcpus'],
      [
        'allocatable_memory < 0',
        body(withToken(workerBody('h2', { allocatable_memory: -1 }))),
        422,
        'allocatable_memory',
      ],
      [
        'allocatable_vcpus not an integer',
        body(withToken(workerBody('h3', { allocatable_vcpus: 1.5 }))),
        422,
        'allocatable_vcpus',
      ],
      ['labels not strings', body(withToken(workerBody('h4', { labels: { zone: 5 } }))), 422],
      ['labels a string', body(withToken(workerBody('h5', { labels: 'zone' }))), 422],
      [
        'virtualization a string',
        body(withToken(workerBody('h6', { virtualization: 'docker' }))),
        422,
        'virtualization',
      ],
      [
        'location out of range',
        body(withToken(workerBody('h7', { location: { lat: 200, long: 0 } }))),
        422,
      ],
      ['join_token a number', body({ ...workerBody('h8'), join_token: 12345 }), 422],
      [
        '__proto__ at the top',
        json(`{"__proto__":{"isAdmin":true},"host":"h9","join_token":${token}}`),
        422,
        '__proto__',
      ],
      [
        '__proto__ in labels',
        json(`{"host":"h10","labels":{"__proto__":{"x":"y"}},"join_token":${token}}`),
        422,
      ],
      [
        'constructor.prototype',
        json(`{"host":"h11","constructor":{"prototype":{"x":1}},"join_token":${token}}`),
        422,
      ],
      ['an array', body([withToken(workerBody('h12'))]), 422],
      ['an empty object', body({}), 422, 'host'],
      ['a JSON string', json('"h13"'), 400],
      ['a JSON number', json('42'), 400],
      ['JSON null', json('null'), 400],
      ['invalid JSON', json(`{"host":"h14","join_token":${token},`), 400],
      ['nested 100 deep', json(`{"host":"h15","join_token":${token},"x":${deep(100)}}`), 422],
      ['nested 20000 deep', json(`{"host":"h16","join_token":${token},"x":${deep(20_000)}}`), 0],
      [
        '2 MB body',
        json(`{"host":"h17","join_token":${token},"x":"${'a'.repeat(2 * 1024 * 1024)}"}`),
        413,
      ],
      [
        'not JSON content type',
        () =>
          request(h.server())
            .post(ClusterRoute.NODE_REGISTER)
            .set('Content-Type', 'text/plain')
            .send(`{"host":"h18","join_token":${token}}`),
        0,
      ],
    ];

    // Rest parameters: jest would pass `done` as a 4th argument to rows without a path.
    it.each(cases)('%s', async (...row) => {
      const [, send, status, path] = row;
      const before = await workersCollection();
      const res = await send();
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      if (status !== 0) expect(res.status).toBe(status);
      expect(res.body).toMatchObject({ statusCode: res.status });
      if (res.status === 422) {
        expect(res.body).toMatchObject({ error: 'UNPROCESSABLE_ENTITY' });
        expect(Array.isArray(res.body.details)).toBe(true);
        expect(res.body.details.length).toBeGreaterThan(0);
        if (path !== undefined) {
          expect(res.body.details).toEqual(
            expect.arrayContaining([expect.objectContaining({ path })]),
          );
        }
      }
      expect(res.text).not.toContain(WORKER_TOKEN);
      expect(await workersCollection()).toEqual(before);
    });

    it('leaves the app healthy and no polluted prototypes behind', async () => {
      await request(h.server()).get('/health').expect(200);
      expect(({} as Record<string, unknown>)['isAdmin']).toBeUndefined();
      expect(({} as Record<string, unknown>)['x']).toBeUndefined();
    });
  });

  describe('identity is kept on registering again', () => {
    it('with the returned id: same id, new password, the previous one stops working', async () => {
      const host = uniqueHost('reg-again');
      const first = await h.register(workerBody(host));
      const session = await h.connectWorker(first);
      const closed = new Promise<void>((resolve) => session.once('close', () => resolve()));

      const again = await h.register(workerBody(host, { id: first.id, allocatable_memory: 512 }));
      expect(again.id).toBe(first.id);
      expect(again.mqtt.username).toBe(first.mqtt.username);
      expect(again.mqtt.password).not.toBe(first.mqtt.password);

      await closed; // the broker drops the session of the rotated password
      await expect(h.connect(first.mqtt)).rejects.toMatchObject({ code: CONNACK_NOT_AUTHORIZED });
      await expect(h.connect(again.mqtt)).resolves.toBeDefined();

      expect(await h.db().collection('workers').countDocuments({ host })).toBe(1);
      // The new allocatable memory moves capacity and free by the same delta.
      expect(await h.worker(first.id)).toMatchObject({
        capacity: { vcpus: 4, memory: 512, vgpus: 0 },
        free: { vcpus: 4, memory: 512, vgpus: 0 },
      });
    });

    it('with the same host and no id (the worker lost its state): same id, old password refused', async () => {
      const host = uniqueHost('reg-host');
      const first = await h.register(workerBody(host));
      const again = await h.register(workerBody(host));
      expect(again.id).toBe(first.id);
      expect(again.mqtt.password).not.toBe(first.mqtt.password);
      await expect(h.connect(first.mqtt)).rejects.toMatchObject({ code: CONNACK_NOT_AUTHORIZED });
      await expect(h.connect(again.mqtt)).resolves.toBeDefined();
      expect(await h.db().collection('workers').countDocuments({ host })).toBe(1);
    });

    it("another host presenting a worker's id gets its own id and leaves the worker's credentials alone", async () => {
      const victim = await h.register(workerBody(uniqueHost('reg-victim')));
      const intruderHost = uniqueHost('reg-intruder');
      const intruder = await h.register(workerBody(intruderHost, { id: victim.id }));
      expect(intruder.id).not.toBe(victim.id);
      expect(intruder.id).toMatch(/^[0-9a-f]{24}$/);
      // The victim's password was not rotated by someone else's registration.
      await expect(h.connect(victim.mqtt)).resolves.toBeDefined();
      const victimDoc = await h
        .db()
        .collection('workers')
        .findOne({ _id: victim.id as never });
      expect(victimDoc?.['host']).toBe(victim.host);
    });

    it('keeps a proposed 24-hex id it does not know (its database was restored)', async () => {
      const id = uniqueHexId();
      const worker = await h.register(workerBody(uniqueHost('reg-restored'), { id }));
      expect(worker.id).toBe(id);
    });

    it.each(['#', '+', 'a/b', 'nodes', 'ABCDEFABCDEFABCDEFABCDEF', '0'.repeat(25)])(
      'never takes a proposed id that is not a 24-hex id (%s)',
      async (proposed) => {
        const worker = await h.register(workerBody(uniqueHost('reg-badid'), { id: proposed }));
        expect(worker.id).not.toBe(proposed);
        expect(worker.id).toMatch(/^[0-9a-f]{24}$/);
      },
    );

    it('concurrent registrations of one host → one worker, one id, one valid password', async () => {
      const host = uniqueHost('reg-race');
      const results = await Promise.all(
        Array.from({ length: 5 }, () => h.postRegister(withToken(workerBody(host)))),
      );
      expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
      const ids = new Set(results.map((r) => (r.body as { id: string }).id));
      expect(ids.size).toBe(1);
      for (const id of ids) h.track(id);
      expect(await h.db().collection('workers').countDocuments({ host })).toBe(1);

      // Provisions of one id are serialised: only the last password handed out works.
      const outcomes = await Promise.all(
        results.map((r) =>
          h
            .connect({
              username: (r.body as { mqtt_username: string }).mqtt_username,
              password: (r.body as { mqtt_password: string }).mqtt_password,
            })
            .then(
              () => 'connected',
              (e: { code?: number }) => e.code,
            ),
        ),
      );
      expect(outcomes.filter((o) => o === 'connected')).toHaveLength(1);
      expect(outcomes.filter((o) => o === CONNACK_NOT_AUTHORIZED)).toHaveLength(4);
    });
  });
});
