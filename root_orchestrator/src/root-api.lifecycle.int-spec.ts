import { InstanceStatus, RootRoute, rootPath, slaExample } from '@canopy/contracts';
import request from 'supertest';
import {
  adminLogin,
  bearer,
  createUser,
  eventually,
  type RootTestApp,
  simpleSla,
  startRootTestApp,
} from './testing/root-test-app';

type Json = Record<string, unknown>;
const jobId = (serviceId: string, n: number): string => `schedule.${serviceId}.${n}.0`;

/** POST /api/application/ answers ALL the caller's applications: pick one by name. */
function named(apps: unknown, name: string): Json {
  const app = (apps as Json[]).find((a) => a['application_name'] === name);
  if (!app) throw new Error(`application ${name} not in the answer`);
  return app;
}

describe('root API: full lifecycle (real FerretDB and Redis)', () => {
  let root: RootTestApp;
  let alice: { id: string; token: string };

  beforeAll(async () => {
    root = await startRootTestApp();
    const admin = await adminLogin(root);
    alice = await createUser(root, admin.token, 'alice');
  });

  afterAll(() => root.close());

  it('login → create app from the SLA example → list → add a service → scale → delete instance → delete app', async () => {
    const api = request(root.url);
    const auth = bearer(alice.token);

    // Create the application from the reference SLA (§3): Oakestra answers the user's apps.
    const created = await api
      .post(RootRoute.APPLICATION_CREATE)
      .set(auth)
      .send(slaExample())
      .expect(200);
    expect(created.body).toHaveLength(1);
    const app = (created.body as Json[])[0] as Json;
    const appId = app['applicationID'] as string;
    expect(app).toEqual({
      _id: { $oid: appId },
      applicationID: appId,
      application_name: 'clientsrvr',
      application_namespace: 'test',
      application_desc: 'curl client + nginx server',
      userId: 'alice',
      microservices: [expect.any(String), expect.any(String)],
    });

    // List apps (by user id and by name) and services, with the derived fields of §1.5.
    const mine = await api
      .get(rootPath(RootRoute.APPLICATIONS_OF_USER, { userid: alice.id }))
      .set(auth)
      .expect(200);
    expect(mine.body).toEqual([app]);
    await api
      .get(rootPath(RootRoute.APPLICATIONS_OF_USER, { userid: 'alice' }))
      .set(auth)
      .expect(200);
    const services = (
      await api
        .get(rootPath(RootRoute.SERVICES_OF_APPLICATION, { appid: appId }))
        .set(auth)
        .expect(200)
    ).body as Json[];
    expect(services.map((s) => s['job_name'])).toEqual([
      'clientsrvr.test.curl.test',
      'clientsrvr.test.nginx.test',
    ]);
    const nginx = services[1] as Json;
    const nginxId = nginx['_id'] as string;
    expect(nginx).toMatchObject({
      microserviceID: nginxId,
      applicationID: appId,
      app_name: 'clientsrvr',
      app_ns: 'test',
      service_name: 'nginx',
      service_ns: 'test',
      image: 'docker.io/library/nginx:latest',
      code: 'docker.io/library/nginx:latest',
      virtualization: 'docker',
      RR_ip: '10.30.30.30',
      RR_ip_v6: 'fdff:2000::30',
      next_instance_progressive_number: 0,
      instance_list: [],
      port: '6080:80/tcp',
      // defaults applied, empty objects kept
      one_shot: false,
      vgpus: 0,
      volumes: [
        {
          volume_id: '/mnt/data',
          csi_driver: 'csi.oakestra.io/hostpath',
          mount_path: '/data',
          config: {},
        },
      ],
    });
    expect(nginx).not.toHaveProperty('revision');
    expect(app['microservices']).toEqual(services.map((s) => s['_id']));

    // Add a service to the existing application (Oakestra's POST /api/service/).
    const sla = simpleSla('ignored', ['extra']);
    ((sla['applications'] as Json[])[0] as Json)['applicationID'] = appId;
    const added = await api.post(RootRoute.SERVICE_CREATE).set(auth).send(sla).expect(200);
    expect(added.body).toEqual({
      job_id: expect.any(String),
      deployed_services: [{ service_name: 'extra', status: 200, job_id: added.body.job_id }],
      failed_services: [],
    });
    const extra = (
      await api
        .get(rootPath(RootRoute.SERVICE, { serviceid: added.body.job_id }))
        .set(auth)
        .expect(200)
    ).body as Json;
    expect(extra['job_name']).toBe('clientsrvr.test.extra.test'); // the stored app's names count
    const afterAdd = await api
      .get(rootPath(RootRoute.APPLICATION, { appid: appId }))
      .set(auth)
      .expect(200);
    expect(afterAdd.body.microservices).toHaveLength(3);

    // Scale nginx to two instances: both REQUESTED, jobs in Redis with deterministic ids.
    const instancePath = rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: nginxId });
    expect((await api.post(instancePath).set(auth).expect(200)).body).toEqual({
      message: 'ok',
      instance_number: 0,
    });
    expect((await api.post(instancePath).set(auth).expect(200)).body).toEqual({
      message: 'ok',
      instance_number: 1,
    });
    const scaled = (
      await api
        .get(rootPath(RootRoute.SERVICE, { serviceid: nginxId }))
        .set(auth)
        .expect(200)
    ).body as Json;
    expect(scaled['next_instance_progressive_number']).toBe(2);
    // REQUESTED, or already refused by the scheduler (no cluster is registered in this test).
    const waiting = [InstanceStatus.REQUESTED, InstanceStatus.TARGET_CLUSTER_NOT_FOUND];
    expect(waiting).toContain(scaled['status']);
    const scaledInstances = scaled['instance_list'] as Json[];
    expect(scaledInstances.map((i) => i['instance_number'])).toEqual([0, 1]);
    for (const i of scaledInstances) expect(waiting).toContain(i['status']);
    expect(await root.queue.getJob(jobId(nginxId, 0))).toBeDefined();
    expect(await root.queue.getJob(jobId(nginxId, 1))).toBeDefined();

    // The scheduler ran: nginx names cluster "cluster1" (direct), which is not registered here,
    // so both are TargetClusterNotFound with the reason, and the jobs wait (delayed) for a retry.
    await eventually(
      async () => {
        const svc = (await api.get(rootPath(RootRoute.SERVICE, { serviceid: nginxId })).set(auth))
          .body as Json;
        const list = svc['instance_list'] as Json[];
        return list.every(
          (i) =>
            i['status'] === InstanceStatus.TARGET_CLUSTER_NOT_FOUND &&
            i['status_detail'] === 'no clusters to choose from',
        )
          ? true
          : undefined;
      },
      10_000,
      'status_detail from the scheduling processor',
    );
    expect(await root.queue.getJobState(jobId(nginxId, 0))).toBe('delayed');
    expect(await root.queue.getJobState(jobId(nginxId, 1))).toBe('delayed');

    // Delete instance 0: gone from the service and from the queue; instance 1 stays.
    await api
      .delete(
        rootPath(RootRoute.SERVICE_INSTANCE_NUMBER, { serviceid: nginxId, instance_number: 0 }),
      )
      .set(auth)
      .expect(200, { message: 'ok' });
    const afterDelete = (
      await api
        .get(rootPath(RootRoute.SERVICE, { serviceid: nginxId }))
        .set(auth)
        .expect(200)
    ).body as Json;
    expect((afterDelete['instance_list'] as Json[]).map((i) => i['instance_number'])).toEqual([1]);
    expect(await root.queue.getJob(jobId(nginxId, 0))).toBeUndefined();
    expect(await root.queue.getJob(jobId(nginxId, 1))).toBeDefined();
    await api
      .delete(
        rootPath(RootRoute.SERVICE_INSTANCE_NUMBER, { serviceid: nginxId, instance_number: 0 }),
      )
      .set(auth)
      .expect(404);

    // Delete the application: services, instances and queued jobs are gone.
    await api
      .delete(rootPath(RootRoute.APPLICATION, { appid: appId }))
      .set(auth)
      .expect(200, { message: 'Application Deleted' });
    await api
      .get(rootPath(RootRoute.APPLICATION, { appid: appId }))
      .set(auth)
      .expect(404);
    await api
      .get(rootPath(RootRoute.SERVICE, { serviceid: nginxId }))
      .set(auth)
      .expect(404);
    expect(await root.db.collection('applications').countDocuments()).toBe(0);
    expect(await root.db.collection('services').countDocuments()).toBe(0);
    expect(await root.queue.getJob(jobId(nginxId, 1))).toBeUndefined();
    const counts = await root.queue.getJobCounts(
      'waiting',
      'delayed',
      'active',
      'prioritized',
      'paused',
    );
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(0);
  });

  it('gives concurrent scale-ups distinct instance numbers, none lost', async () => {
    const api = request(root.url);
    const auth = bearer(alice.token);
    const app = named(
      (
        await api
          .post(RootRoute.APPLICATION_CREATE)
          .set(auth)
          .send(simpleSla('busy', ['web']))
          .expect(200)
      ).body,
      'busy',
    );
    const serviceId = ((app as Json)['microservices'] as string[])[0] as string;
    const path = rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: serviceId });
    const answers = await Promise.all(Array.from({ length: 20 }, () => api.post(path).set(auth)));
    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    expect(answers.map((a) => a.body.instance_number).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 20 }, (_, i) => i),
    );
    const svc = (await api.get(rootPath(RootRoute.SERVICE, { serviceid: serviceId })).set(auth))
      .body as Json;
    expect(svc['next_instance_progressive_number']).toBe(20);
    expect(svc['instance_list']).toHaveLength(20);
    for (let n = 0; n < 20; n++) expect(await root.queue.getJob(jobId(serviceId, n))).toBeDefined();
    await api
      .delete(
        rootPath(RootRoute.SERVICE_INSTANCE_NUMBER, { serviceid: serviceId, instance_number: -1 }),
      )
      .set(auth)
      .expect(200);
    expect(
      (await api.get(rootPath(RootRoute.SERVICE, { serviceid: serviceId })).set(auth)).body
        .instance_list,
    ).toEqual([]);
    expect(await root.queue.getJob(jobId(serviceId, 3))).toBeUndefined();
    await api
      .delete(rootPath(RootRoute.APPLICATION, { appid: (app as Json)['applicationID'] as string }))
      .set(auth)
      .expect(200);
  });

  it('updates a service spec without touching instances, and refuses a rename', async () => {
    const api = request(root.url);
    const auth = bearer(alice.token);
    const app = named(
      (
        await api
          .post(RootRoute.APPLICATION_CREATE)
          .set(auth)
          .send(simpleSla('upd', ['api']))
          .expect(200)
      ).body,
      'upd',
    );
    const appId = (app as Json)['applicationID'] as string;
    const serviceId = ((app as Json)['microservices'] as string[])[0] as string;
    await api
      .post(rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: serviceId }))
      .set(auth)
      .expect(200);

    const spec = {
      microservice_name: 'api',
      microservice_namespace: 'test',
      virtualization: 'container',
      code: 'docker.io/library/api:2',
      memory: 256,
    };
    const res = await api
      .put(rootPath(RootRoute.SERVICE, { serviceid: serviceId }))
      .set(auth)
      .send(spec)
      .expect(200);
    expect(res.body).toMatchObject({
      rollout: 'not_applied',
      message: expect.stringContaining('not implemented'),
    });
    expect(res.body.service).toMatchObject({
      memory: 256,
      image: 'docker.io/library/api:2',
      vcpus: 0,
      next_instance_progressive_number: 1,
    });
    expect(res.body.service.instance_list).toHaveLength(1);

    const renamed = await api
      .put(rootPath(RootRoute.SERVICE, { serviceid: serviceId }))
      .set(auth)
      .send({ ...spec, microservice_name: 'other' })
      .expect(422);
    expect(renamed.body.details).toEqual([
      { path: 'microservice_name', message: 'microservice_name must stay api' },
    ]);

    // An application whose services have instances cannot be renamed; without instances it can.
    await api
      .put(rootPath(RootRoute.APPLICATION, { appid: appId }))
      .set(auth)
      .send({ application_name: 'upd2' })
      .expect(409);
    await api
      .delete(
        rootPath(RootRoute.SERVICE_INSTANCE_NUMBER, { serviceid: serviceId, instance_number: -1 }),
      )
      .set(auth)
      .expect(200);
    await api
      .put(rootPath(RootRoute.APPLICATION, { appid: appId }))
      .set(auth)
      .send({ application_name: 'upd2', application_desc: 'new' })
      .expect(200, { message: 'Application is updated' });
    const svc = (await api.get(rootPath(RootRoute.SERVICE, { serviceid: serviceId })).set(auth))
      .body as Json;
    expect(svc).toMatchObject({ job_name: 'upd2.test.api.test', app_name: 'upd2' });
    await api
      .delete(rootPath(RootRoute.APPLICATION, { appid: appId }))
      .set(auth)
      .expect(200);
  });
});

describe('root API: error answers', () => {
  let root: RootTestApp;
  let token: string;

  beforeAll(async () => {
    root = await startRootTestApp({ env: { HTTP_BODY_LIMIT: '64kb' } });
    token = (await adminLogin(root)).token;
  });

  afterAll(() => root.close());

  it('malformed JSON → 400, too large → 413, unknown route → 404, all in the API error shape', async () => {
    const api = request(root.url);
    const malformed = await api
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(token))
      .set('Content-Type', 'application/json')
      .send('{"sla_version":');
    expect(malformed.status).toBe(400);
    expect(malformed.body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: expect.stringMatching(/JSON/),
    });
    const large = await api
      .post(RootRoute.AUTH_LOGIN)
      .send({ username: 'x'.repeat(70_000), password: 'y' });
    expect(large.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: 'Request body is too large',
    });
    const unknown = await api.get('/api/nothing-here');
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
  });

  it('invalid SLA → 422 with field paths; nothing is written', async () => {
    const sla = slaExample();
    (sla.applications[0]?.microservices[1] as Json)['memory'] = -1;
    (sla.applications[0]?.microservices[0] as Json)['colour'] = 'red';
    const res = await request(root.url)
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(token))
      .send(sla)
      .expect(422);
    expect(res.body).toMatchObject({ statusCode: 422, error: 'Unprocessable Entity' });
    expect(res.body.details).toEqual(
      expect.arrayContaining([
        {
          path: 'applications[0].microservices[1].memory',
          message: 'memory must not be less than 0',
        },
        {
          path: 'applications[0].microservices[0].colour',
          message: 'property colour should not exist',
        },
      ]),
    );
    expect(await root.db.collection('applications').countDocuments()).toBe(0);
    expect(await root.db.collection('services').countDocuments()).toBe(0);
  });

  it('DTO errors → 400 with paths; duplicate application → 409; both route spellings answer', async () => {
    const api = request(root.url);
    const bad = await api
      .post(RootRoute.AUTH_REGISTER)
      .set(bearer(token))
      .send({ name: 'bob', password: 'short', admin: true })
      .expect(400);
    expect(bad.body.details).toEqual(
      expect.arrayContaining([
        { path: 'password', message: expect.stringContaining('at least 8 characters') },
        { path: 'admin', message: 'property admin should not exist' },
      ]),
    );
    const org = await api
      .post(RootRoute.ORGANIZATIONS)
      .set(bearer(token))
      .send({ name: 'shop', member: [{ user_id: 'x', roles: ['Nope'] }] })
      .expect(400);
    expect(org.body.details.map((d: Json) => d['path'])).toEqual([
      'member[0].user_id',
      'member[0].roles',
    ]);

    await api
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(token))
      .send(simpleSla('dup', ['a']))
      .expect(200);
    const dup = await api
      .post('/api/application')
      .set(bearer(token))
      .send(simpleSla('dup', ['b']))
      .expect(409);
    expect(dup.body.message).toBe('An application with the same name and namespace exists already');
    expect((await api.get('/api/applications').set(bearer(token)).expect(200)).body).toHaveLength(
      1,
    );
    expect((await api.get('/api/applications/').set(bearer(token)).expect(200)).body).toHaveLength(
      1,
    );
    expect(await root.db.collection('services').countDocuments()).toBe(1);
  });

  it("answers browsers' CORS preflights (Oakestra's dashboard runs on another origin)", async () => {
    const res = await request(root.url)
      .options(RootRoute.APPLICATION_CREATE)
      .set('Origin', 'http://dashboard.example.org')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type');
    expect(res.status).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.headers['access-control-allow-headers']).toContain('authorization');
  });

  it('serves Swagger UI and the OpenAPI document', async () => {
    const api = request(root.url);
    const doc = (await api.get(RootRoute.DOCS_JSON).expect(200)).body as Json;
    expect(doc['openapi']).toMatch(/^3\./);
    const paths = Object.keys(doc['paths'] as Json);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/auth/login',
        '/api/application/{appid}',
        '/api/service/{serviceid}/instance',
      ]),
    );
    const login = ((doc['paths'] as Json)['/api/auth/login'] as Json)['post'] as Json;
    expect(JSON.stringify(login)).toContain('organization_name');
    const html = await api.get(RootRoute.DOCS).redirects(1).expect(200);
    expect(html.text).toContain('swagger');
  });
});
