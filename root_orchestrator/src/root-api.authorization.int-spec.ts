import { RootRoute, rootPath } from '@canopy/contracts';
import request from 'supertest';
import {
  adminLogin,
  createUser,
  login,
  type RootTestApp,
  simpleSla,
  startRootTestApp,
} from './testing/root-test-app';

/**
 * Every route × {anonymous, user A, user B, Admin} → expected status. A and B are
 * Application_Providers in the root organization; A owns application `appA` with service `sA`.
 * Another user's application or service is a 404 (its existence is not revealed); a route needing
 * a role the caller lacks is a 403; no or a bad token is a 401. Rows marked `fresh` get new
 * objects for each actor, so destructive calls do not depend on each other.
 */

type Actor = 'anonymous' | 'A' | 'B' | 'Admin';
const ACTORS: readonly Actor[] = ['anonymous', 'A', 'B', 'Admin'];

interface Fixtures {
  appA: string;
  sA: string;
  userA: { id: string; name: string };
  rootOrgId: string;
  /** Per-request unique suffix (names must not collide between actors). */
  n: number;
  /** Set for `fresh` rows. */
  fresh?: { appId: string; serviceId: string; userName: string; orgId: string };
}

interface Row {
  route: string;
  method: 'get' | 'post' | 'put' | 'delete';
  path: (f: Fixtures) => string;
  body?: (f: Fixtures) => object;
  /** Send the actor's refresh token instead of the access token. */
  refresh?: boolean;
  fresh?: boolean;
  expected: [anonymous: number, a: number, b: number, admin: number];
}

const spec = (name: string): object => ({
  microservice_name: name,
  microservice_namespace: 'test',
  virtualization: 'container',
  code: 'docker.io/library/nginx:latest',
  memory: 32,
});

const ROWS: Row[] = [
  // auth
  {
    route: 'POST /api/auth/login',
    method: 'post',
    path: () => RootRoute.AUTH_LOGIN,
    body: (f) => ({ username: f.userA.name, password: 'userA-password' }),
    expected: [200, 200, 200, 200],
  },
  {
    route: 'POST /api/auth/refresh',
    method: 'post',
    path: () => RootRoute.AUTH_REFRESH,
    refresh: true,
    expected: [401, 200, 200, 200],
  },
  {
    route: 'POST /api/auth/register',
    method: 'post',
    path: () => RootRoute.AUTH_REGISTER,
    body: (f) => ({ name: `new${f.n}`, password: 'new-user-password' }),
    expected: [401, 403, 403, 200],
  },
  // users
  {
    route: 'GET /api/permission/<A>',
    method: 'get',
    path: (f) => rootPath(RootRoute.PERMISSION, { username: f.userA.name }),
    expected: [401, 200, 403, 200],
  },
  {
    route: 'GET /api/user/<A>',
    method: 'get',
    path: (f) => rootPath(RootRoute.USER, { username: f.userA.name }),
    expected: [401, 200, 403, 200],
  },
  {
    route: 'PUT /api/user/<A>',
    method: 'put',
    path: (f) => rootPath(RootRoute.USER, { username: f.userA.name }),
    body: () => ({ email: 'a@example.org' }),
    expected: [401, 403, 403, 200],
  },
  // A's own row answers 400: the old password is deliberately wrong, so A's tokens stay valid.
  {
    route: 'POST /api/user/<A> (change password)',
    method: 'post',
    path: (f) => rootPath(RootRoute.USER, { username: f.userA.name }),
    body: () => ({ oldPassword: 'wrong-password', newPassword: 'another-password' }),
    expected: [401, 400, 403, 403],
  },
  {
    route: 'DELETE /api/user/<fresh user>',
    method: 'delete',
    fresh: true,
    path: (f) => rootPath(RootRoute.USER, { username: f.fresh?.userName ?? '' }),
    expected: [401, 403, 403, 200],
  },
  {
    route: 'GET /api/users/',
    method: 'get',
    path: () => RootRoute.USERS,
    expected: [401, 403, 403, 200],
  },
  {
    route: 'GET /api/users/<root org>',
    method: 'get',
    path: (f) => rootPath(RootRoute.USERS_OF_ORGANIZATION, { organization_id: f.rootOrgId }),
    expected: [401, 403, 403, 200],
  },
  {
    route: 'POST /api/user/ (reset request)',
    method: 'post',
    path: () => RootRoute.USER_PASSWORD_RESET,
    body: () => ({ username: 'x', domain: 'example.org' }),
    expected: [501, 501, 501, 501],
  },
  {
    route: 'PUT /api/user/ (reset)',
    method: 'put',
    path: () => RootRoute.USER_PASSWORD_RESET,
    body: () => ({ token: 't', password: 'new-password-1' }),
    expected: [501, 501, 501, 501],
  },
  // organizations
  {
    route: 'GET /api/organization/',
    method: 'get',
    path: () => RootRoute.ORGANIZATIONS,
    expected: [401, 403, 403, 200],
  },
  {
    route: 'POST /api/organization/',
    method: 'post',
    path: () => RootRoute.ORGANIZATIONS,
    body: (f) => ({ name: `org${f.n}` }),
    expected: [401, 403, 403, 200],
  },
  {
    route: 'PUT /api/organization/<fresh>',
    method: 'put',
    fresh: true,
    path: (f) => rootPath(RootRoute.ORGANIZATION, { organization_id: f.fresh?.orgId ?? '' }),
    body: (f) => ({ name: `renamed${f.n}` }),
    expected: [401, 403, 403, 200],
  },
  {
    route: 'DELETE /api/organization/<fresh>',
    method: 'delete',
    fresh: true,
    path: (f) => rootPath(RootRoute.ORGANIZATION, { organization_id: f.fresh?.orgId ?? '' }),
    expected: [401, 403, 403, 200],
  },
  // applications
  {
    route: 'POST /api/application/',
    method: 'post',
    path: () => RootRoute.APPLICATION_CREATE,
    body: (f) => simpleSla(`app${f.n}`, ['web']),
    expected: [401, 200, 200, 200],
  },
  {
    route: 'GET /api/application/<appA>',
    method: 'get',
    path: (f) => rootPath(RootRoute.APPLICATION, { appid: f.appA }),
    expected: [401, 200, 404, 200],
  },
  {
    route: 'PUT /api/application/<appA>',
    method: 'put',
    path: (f) => rootPath(RootRoute.APPLICATION, { appid: f.appA }),
    body: (f) => ({ application_desc: `desc ${f.n}` }),
    expected: [401, 200, 404, 200],
  },
  {
    route: 'DELETE /api/application/<fresh appA>',
    method: 'delete',
    fresh: true,
    path: (f) => rootPath(RootRoute.APPLICATION, { appid: f.fresh?.appId ?? '' }),
    expected: [401, 200, 404, 200],
  },
  {
    route: 'GET /api/applications/<A id>',
    method: 'get',
    path: (f) => rootPath(RootRoute.APPLICATIONS_OF_USER, { userid: f.userA.id }),
    expected: [401, 200, 403, 200],
  },
  {
    route: 'GET /api/applications/',
    method: 'get',
    path: () => RootRoute.APPLICATIONS,
    expected: [401, 403, 403, 200],
  },
  // services
  {
    route: 'POST /api/service/ (into appA)',
    method: 'post',
    path: () => RootRoute.SERVICE_CREATE,
    body: (f) => {
      const sla = simpleSla('appA', [`svc${f.n}`]);
      const [app] = sla['applications'] as Record<string, unknown>[];
      if (app) app['applicationID'] = f.appA;
      return sla;
    },
    expected: [401, 200, 404, 200],
  },
  {
    route: 'GET /api/service/<sA>',
    method: 'get',
    path: (f) => rootPath(RootRoute.SERVICE, { serviceid: f.sA }),
    expected: [401, 200, 404, 200],
  },
  {
    route: 'PUT /api/service/<sA>',
    method: 'put',
    path: (f) => rootPath(RootRoute.SERVICE, { serviceid: f.sA }),
    body: () => spec('web'),
    expected: [401, 200, 404, 200],
  },
  {
    route: 'DELETE /api/service/<fresh sA>',
    method: 'delete',
    fresh: true,
    path: (f) => rootPath(RootRoute.SERVICE, { serviceid: f.fresh?.serviceId ?? '' }),
    expected: [401, 200, 404, 200],
  },
  {
    route: 'GET /api/services/<appA>',
    method: 'get',
    path: (f) => rootPath(RootRoute.SERVICES_OF_APPLICATION, { appid: f.appA }),
    expected: [401, 200, 404, 200],
  },
  {
    route: 'GET /api/services/',
    method: 'get',
    path: () => RootRoute.SERVICES,
    expected: [401, 403, 403, 200],
  },
  // instances
  {
    route: 'POST /api/service/<sA>/instance',
    method: 'post',
    path: (f) => rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: f.sA }),
    expected: [401, 200, 404, 200],
  },
  {
    route: 'DELETE /api/service/<fresh sA>/instance/0',
    method: 'delete',
    fresh: true,
    path: (f) =>
      rootPath(RootRoute.SERVICE_INSTANCE_NUMBER, {
        serviceid: f.fresh?.serviceId ?? '',
        instance_number: 0,
      }),
    expected: [401, 200, 404, 200],
  },
];

describe('root API authorization matrix', () => {
  let root: RootTestApp;
  let adminToken: string;
  const tokens = new Map<Actor, { token: string; refresh_token: string }>();
  let base: Omit<Fixtures, 'n' | 'fresh'>;
  let counter = 0;

  beforeAll(async () => {
    root = await startRootTestApp();
    const admin = await adminLogin(root);
    adminToken = admin.token;
    tokens.set('Admin', admin);
    const a = await createUser(
      root,
      adminToken,
      'userA',
      ['Application_Provider'],
      'userA-password',
    );
    await createUser(root, adminToken, 'userB', ['Application_Provider'], 'userB-password');
    tokens.set('A', await login(root, 'userA', 'userA-password'));
    tokens.set('B', await login(root, 'userB', 'userB-password'));
    const appA = await freshApp(tokens.get('A')?.token ?? '', 'appA');
    const orgs = await request(root.url)
      .get(RootRoute.ORGANIZATIONS)
      .set('Authorization', `Bearer ${adminToken}`);
    base = {
      appA: appA.appId,
      sA: appA.serviceId,
      userA: { id: a.id, name: 'userA' },
      rootOrgId:
        (orgs.body as { _id: { $oid: string }; name: string }[]).find((o) => o.name === 'root')?._id
          .$oid ?? '',
    };
  });

  afterAll(() => root.close());

  /** An application owned by A with one service that has one instance. */
  async function freshApp(
    tokenA: string,
    name: string,
  ): Promise<{ appId: string; serviceId: string }> {
    const res = await request(root.url)
      .post(RootRoute.APPLICATION_CREATE)
      .set('Authorization', `Bearer ${tokenA}`)
      .send(simpleSla(name, ['web']));
    const app = (
      res.body as { application_name: string; applicationID: string; microservices: string[] }[]
    ).find((x) => x.application_name === name);
    if (!app) throw new Error(`fresh app ${name}: ${res.status} ${res.text}`);
    const serviceId = app.microservices[0] ?? '';
    await request(root.url)
      .post(rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: serviceId }))
      .set('Authorization', `Bearer ${tokenA}`)
      .expect(200);
    return { appId: app.applicationID, serviceId };
  }

  async function freshFixtures(n: number): Promise<NonNullable<Fixtures['fresh']>> {
    const app = await freshApp(tokens.get('A')?.token ?? '', `fresh${n}`);
    const userName = `victim${n}`;
    await request(root.url)
      .post(RootRoute.AUTH_REGISTER)
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ name: userName, password: 'victim-password' })
      .expect(200);
    const org = await request(root.url)
      .post(RootRoute.ORGANIZATIONS)
      .set('Authorization', `Bearer ${adminToken}`)
      .send({ name: `freshorg${n}` })
      .expect(200);
    return { ...app, userName, orgId: (org.body as { _id: { $oid: string } })._id.$oid };
  }

  it.each(ROWS.map((row) => [row.route, row] as const))('%s', async (_name, row) => {
    const actual: number[] = [];
    for (const actor of ACTORS) {
      const n = ++counter;
      const fixtures: Fixtures = {
        ...base,
        n,
        ...(row.fresh ? { fresh: await freshFixtures(n) } : {}),
      };
      let call = request(root.url)[row.method](row.path(fixtures));
      const credentials = tokens.get(actor);
      if (credentials)
        call = call.set(
          'Authorization',
          `Bearer ${row.refresh ? credentials.refresh_token : credentials.token}`,
        );
      const res = await (row.body ? call.send(row.body(fixtures)) : call);
      if (res.status >= 400) expect(res.body).toMatchObject({ statusCode: res.status });
      actual.push(res.status);
    }
    expect(Object.fromEntries(ACTORS.map((a, i) => [a, actual[i]]))).toEqual(
      Object.fromEntries(ACTORS.map((a, i) => [a, row.expected[i]])),
    );
  });

  it('refuses bad tokens with 401: garbage, a refresh token as access token, a forged signature', async () => {
    const api = request(root.url);
    const a = tokens.get('A');
    if (!a) throw new Error('no token for A');
    await api
      .get(RootRoute.APPLICATIONS_OF_USER.replace(':userid', 'userA'))
      .set('Authorization', 'Bearer garbage')
      .expect(401);
    await api
      .get(RootRoute.APPLICATIONS_OF_USER.replace(':userid', 'userA'))
      .set('Authorization', `Bearer ${a.refresh_token}`)
      .expect(401);
    const [header, payload] = a.token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload ?? '', 'base64url').toString()), roles: ['Admin'] })).toString('base64url')}.${a.token.split('.')[2]}`;
    await api.get(RootRoute.APPLICATIONS).set('Authorization', `Bearer ${forged}`).expect(401);
    await api.post(RootRoute.AUTH_REFRESH).set('Authorization', `Bearer ${a.token}`).expect(401);
  });
});
