import { InstanceStatus, RootRoute, rootPath, slaExample } from '@canopy/contracts';
import fc from 'fast-check';
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
 * Fuzzes every write route with generated bodies — valid ones, mutated ones (a field dropped,
 * retyped, nulled, made huge or negative, an unknown key added), truncated and malformed JSON,
 * random JSON values, oversized and deeply nested bodies, prototype-pollution keys, wrong content
 * types and bad tokens — from a fixed seed, and checks that:
 *  - no answer is a 5xx (the two password-reset routes answer 501 by design and are left out);
 *  - afterwards the database holds exactly what the accepted (2xx) requests created.
 */

const SEED = 20_251_122;
const RUNS = 2_100;
const BODY_LIMIT = '64kb';

type Json = Record<string, unknown>;
type RouteName =
  | 'login'
  | 'refresh'
  | 'register'
  | 'updateUser'
  | 'changePassword'
  | 'createOrg'
  | 'updateOrg'
  | 'createApp'
  | 'updateApp'
  | 'addService'
  | 'updateService'
  | 'scaleUp';
type Kind =
  | 'valid'
  | 'mutated'
  | 'truncated'
  | 'malformed'
  | 'randomJson'
  | 'oversized'
  | 'deep'
  | 'pollution'
  | 'textPlain';
type Mutation = 'drop' | 'retype' | 'nullify' | 'unknownKey' | 'huge' | 'negative';

const ROUTES: RouteName[] = [
  'login',
  'refresh',
  'register',
  'updateUser',
  'changePassword',
  'createOrg',
  'updateOrg',
  'createApp',
  'updateApp',
  'addService',
  'updateService',
  'scaleUp',
];

const caseArbitrary = fc.record({
  route: fc.constantFrom(...ROUTES),
  kind: fc.oneof(
    { weight: 2, arbitrary: fc.constant<Kind>('valid') },
    { weight: 8, arbitrary: fc.constant<Kind>('mutated') },
    { weight: 2, arbitrary: fc.constantFrom<Kind>('truncated', 'malformed', 'randomJson') },
    { weight: 1, arbitrary: fc.constantFrom<Kind>('oversized', 'deep', 'pollution', 'textPlain') },
  ),
  mutations: fc.array(
    fc.constantFrom<Mutation>('drop', 'retype', 'nullify', 'unknownKey', 'huge', 'negative'),
    { minLength: 1, maxLength: 3 },
  ),
  picks: fc.array(fc.nat(), { minLength: 3, maxLength: 3 }),
  junk: fc.jsonValue({ maxDepth: 3 }),
  text: fc.string({ maxLength: 120 }),
  cut: fc.double({ min: 0, max: 1, noNaN: true }),
  depth: fc.integer({ min: 65, max: 5_000 }),
  anonymous: fc.integer({ min: 0, max: 19 }).map((n) => n === 0),
});
type Case = typeof caseArbitrary extends fc.Arbitrary<infer T> ? T : never;

describe('root API fuzz: no 5xx, and only accepted requests change state', () => {
  let root: RootTestApp;
  const ctx = {} as {
    admin: string;
    user: string;
    userRefresh: string;
    victimId: string;
    orgId: string;
    appId: string;
    serviceId: string;
  };

  beforeAll(async () => {
    root = await startRootTestApp({ env: { HTTP_BODY_LIMIT: BODY_LIMIT } });
    ctx.admin = (await adminLogin(root)).token;
    await createUser(root, ctx.admin, 'fuzzuser', ['Application_Provider'], 'fuzzuser-password');
    const tokens = await login(root, 'fuzzuser', 'fuzzuser-password');
    ctx.user = tokens.token;
    ctx.userRefresh = tokens.refresh_token;
    ctx.victimId = (await createUser(root, ctx.admin, 'fuzzvictim')).id;
    const org = await request(root.url)
      .post(RootRoute.ORGANIZATIONS)
      .set('Authorization', `Bearer ${ctx.admin}`)
      .send({ name: 'fuzzorg' })
      .expect(200);
    ctx.orgId = (org.body as { _id: { $oid: string } })._id.$oid;
    const apps = await request(root.url)
      .post(RootRoute.APPLICATION_CREATE)
      .set('Authorization', `Bearer ${ctx.user}`)
      .send(simpleSla('fuzzapp', ['base']))
      .expect(200);
    const app = (apps.body as { applicationID: string; microservices: string[] }[])[0];
    ctx.appId = app?.applicationID ?? '';
    ctx.serviceId = app?.microservices[0] ?? '';
  });

  afterAll(() => root.close());

  it(`answers ${RUNS} generated bodies without a 5xx and stores exactly the accepted ones`, async () => {
    const before = await counts(root);
    const expected = { ...before };
    const statuses = new Map<number, number>();
    const fiveHundreds: string[] = [];
    let serial = 0;

    for (const c of fc.sample(caseArbitrary, { seed: SEED, numRuns: RUNS })) {
      const n = ++serial;
      const { method, path, token } = target(c.route, ctx);
      const template = validBody(c.route, n, ctx);
      let call = request(root.url)[method](path);
      const auth = c.anonymous ? (n % 2 ? 'Bearer not-a-token' : undefined) : token;
      if (auth) call = call.set('Authorization', auth);
      let sentBody: unknown = template;
      let res: request.Response;
      switch (c.kind) {
        case 'valid':
          res = await call.send(template as object);
          break;
        case 'mutated':
          sentBody = mutate(template, c);
          res = await call.send(sentBody as object);
          break;
        case 'truncated': {
          const text = JSON.stringify(template);
          res = await call
            .set('Content-Type', 'application/json')
            .send(text.slice(0, Math.floor(c.cut * text.length)));
          sentBody = undefined;
          break;
        }
        case 'malformed':
          res = await call.set('Content-Type', 'application/json').send(`${c.text}{`);
          sentBody = undefined;
          break;
        case 'randomJson':
          res = await call.set('Content-Type', 'application/json').send(JSON.stringify(c.junk));
          sentBody = c.junk;
          break;
        case 'oversized':
          res = await call.send({ ...(template as Json), padding: 'x'.repeat(70 * 1024) });
          sentBody = undefined;
          break;
        case 'deep':
          res = await call
            .set('Content-Type', 'application/json')
            .send(`${'{"a":['.repeat(c.depth)}1${']}'.repeat(c.depth)}`);
          sentBody = undefined;
          break;
        case 'pollution':
          res = await call
            .set('Content-Type', 'application/json')
            .send(
              `{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"x":1}},${JSON.stringify(template).slice(1)}`,
            );
          sentBody = undefined;
          break;
        case 'textPlain':
          res = await call.set('Content-Type', 'text/plain').send(JSON.stringify(template));
          sentBody = undefined;
          break;
      }
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      if (res.status >= 500)
        fiveHundreds.push(`${c.route} ${c.kind}: ${res.status} ${res.text.slice(0, 200)}`);
      if (res.status >= 200 && res.status < 300) account(expected, c.route, sentBody, res.body);
    }

    const summary = [...statuses.entries()]
      .sort(([a], [b]) => a - b)
      .map(([s, k]) => `${s}×${k}`)
      .join(' ');
    // The figures go to the report; one line.
    process.stdout.write(`fuzz: ${RUNS} requests, seed ${SEED}, statuses ${summary}\n`);
    expect(fiveHundreds).toEqual([]);
    expect([...statuses.keys()].filter((s) => s >= 500)).toEqual([]);
    // Every family of answer was exercised, not just one kind of rejection.
    for (const status of [200, 400, 401, 413, 422])
      expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
    expect(await counts(root)).toEqual(expected);
    // 2100 sequential requests take ~50 s on an idle 2-core machine: a hang guard, not a bound.
  }, 300_000);
});

function target(
  route: RouteName,
  ctx: {
    admin: string;
    user: string;
    userRefresh: string;
    orgId: string;
    appId: string;
    serviceId: string;
  },
): {
  method: 'post' | 'put';
  path: string;
  token: string;
} {
  const admin = `Bearer ${ctx.admin}`;
  const user = `Bearer ${ctx.user}`;
  switch (route) {
    case 'login':
      return { method: 'post', path: RootRoute.AUTH_LOGIN, token: user };
    case 'refresh':
      return { method: 'post', path: RootRoute.AUTH_REFRESH, token: `Bearer ${ctx.userRefresh}` };
    case 'register':
      return { method: 'post', path: RootRoute.AUTH_REGISTER, token: admin };
    case 'updateUser':
      return {
        method: 'put',
        path: rootPath(RootRoute.USER, { username: 'fuzzvictim' }),
        token: admin,
      };
    case 'changePassword':
      return {
        method: 'post',
        path: rootPath(RootRoute.USER, { username: 'fuzzuser' }),
        token: user,
      };
    case 'createOrg':
      return { method: 'post', path: RootRoute.ORGANIZATIONS, token: admin };
    case 'updateOrg':
      return {
        method: 'put',
        path: rootPath(RootRoute.ORGANIZATION, { organization_id: ctx.orgId }),
        token: admin,
      };
    case 'createApp':
      return { method: 'post', path: RootRoute.APPLICATION_CREATE, token: user };
    case 'updateApp':
      return {
        method: 'put',
        path: rootPath(RootRoute.APPLICATION, { appid: ctx.appId }),
        token: user,
      };
    case 'addService':
      return { method: 'post', path: RootRoute.SERVICE_CREATE, token: user };
    case 'updateService':
      return {
        method: 'put',
        path: rootPath(RootRoute.SERVICE, { serviceid: ctx.serviceId }),
        token: user,
      };
    case 'scaleUp':
      return {
        method: 'post',
        path: rootPath(RootRoute.SERVICE_INSTANCE, { serviceid: ctx.serviceId }),
        token: user,
      };
  }
}

/** A body the route accepts (names made unique by `n`, so valid creations never collide). */
function validBody(route: RouteName, n: number, ctx: { victimId: string; appId: string }): unknown {
  switch (route) {
    case 'login':
      return { username: 'fuzzuser', password: 'fuzzuser-password' };
    case 'refresh':
      return {};
    case 'register':
      return {
        name: `fz${n}`,
        password: 'fuzz-password',
        email: `fz${n}@example.org`,
        roles: ['Application_Provider'],
      };
    case 'updateUser':
      return { email: 'victim@example.org', roles: ['Application_Provider'] };
    // Never the right old password, so fuzzuser's tokens stay valid.
    case 'changePassword':
      return { oldPassword: `wrong${n}`, newPassword: 'another-password' };
    case 'createOrg':
      return {
        name: `org${n}`,
        member: [{ user_id: ctx.victimId, roles: ['Application_Provider'] }],
      };
    case 'updateOrg':
      return {
        name: `fuzzorg${n}`,
        member: [{ user_id: ctx.victimId, roles: ['Infrastructure_Provider'] }],
      };
    case 'createApp': {
      const sla = slaExample() as unknown as Json;
      const app = (sla['applications'] as Json[])[0] as Json;
      app['application_name'] = `app${n}`;
      // The example pins rr_ip 10.30.30.30; one address per valid body keeps every valid
      // createApp acceptable (a taken rr_ip is a 409), so mutations are judged, not the pool.
      for (const ms of app['microservices'] as Json[]) {
        const addresses = ms['addresses'] as Json | undefined;
        if (addresses) addresses['rr_ip'] = `10.30.${200 + Math.floor(n / 250)}.${(n % 250) + 1}`;
      }
      return sla;
    }
    case 'updateApp':
      return { application_desc: `fuzzed ${n}` };
    case 'addService': {
      const sla = simpleSla('ignored', [`svc${n}`, `aux${n}`]);
      ((sla['applications'] as Json[])[0] as Json)['applicationID'] = ctx.appId;
      return sla;
    }
    case 'updateService':
      return {
        microservice_name: 'base',
        microservice_namespace: 'test',
        virtualization: 'container',
        code: `docker.io/library/base:${n}`,
        memory: n % 512,
      };
    case 'scaleUp':
      return {};
  }
}

/** Every path to a value inside `value` (object keys and array indexes). */
function pathsOf(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [prefix];
  const entries = Array.isArray(value)
    ? value.map((v, i) => [i, v] as const)
    : Object.entries(value);
  return [prefix, ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}

function mutate(template: unknown, c: Case): unknown {
  const body = structuredClone(template);
  c.mutations.forEach((mutation, i) => {
    const paths = pathsOf(body).filter((p) => p.length > 0);
    const path = paths[(c.picks[i] ?? 0) % Math.max(1, paths.length)];
    if (!path) return;
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((v, k) => (v as Record<string | number, unknown>)?.[k], body) as
      Record<string | number, unknown> | undefined;
    const key = path[path.length - 1] as string | number;
    if (typeof parent !== 'object' || parent === null) return;
    const current = parent[key];
    switch (mutation) {
      case 'drop':
        if (Array.isArray(parent)) parent.splice(Number(key), 1);
        else delete parent[key];
        break;
      case 'retype':
        parent[key] = retyped(current, structuredClone(c.junk));
        break;
      case 'nullify':
        parent[key] = null;
        break;
      case 'unknownKey':
        if (typeof current === 'object' && current !== null && !Array.isArray(current))
          (current as Json)[`unknown_${c.text.length}`] = structuredClone(c.junk);
        else parent[`extra_${c.text.length}`] = c.text;
        break;
      case 'huge':
        parent[key] =
          typeof current === 'number'
            ? Number.MAX_SAFE_INTEGER * 4
            : `${c.text}${'z'.repeat(20_000)}`;
        break;
      case 'negative':
        parent[key] = typeof current === 'number' ? -current - 1 : -1;
        break;
    }
  });
  return body;
}

/** A value of a different JSON type than `current`. */
function retyped(current: unknown, junk: unknown): unknown {
  const typeOf = (v: unknown): string =>
    Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v;
  if (typeOf(junk) !== typeOf(current)) return junk;
  const alternatives: unknown[] = ['text', 42, 1.5, true, [], {}, [1, 'a'], { a: 1 }];
  return alternatives.find((a) => typeOf(a) !== typeOf(current));
}

interface Counts {
  users: number;
  organizations: number;
  applications: number;
  services: number;
  instances: number;
  queuedJobs: number;
}

const WAITING_FOR_A_CLUSTER: ReadonlySet<string> = new Set([
  InstanceStatus.REQUESTED,
  InstanceStatus.TARGET_CLUSTER_NOT_FOUND,
  InstanceStatus.NO_ACTIVE_CLUSTER_WITH_CAPACITY,
]);

async function counts(root: RootTestApp): Promise<Counts> {
  const services = await root.db.collection('services').find().toArray();
  const jobs = await root.queue.getJobCounts(
    'waiting',
    'delayed',
    'active',
    'prioritized',
    'paused',
  );
  return {
    users: await root.db.collection('users').countDocuments(),
    organizations: await root.db.collection('organizations').countDocuments(),
    applications: await root.db.collection('applications').countDocuments(),
    services: services.length,
    // No cluster is registered: every instance waits for one (REQUESTED, or already refused by
    // the scheduler with TargetClusterNotFound / NoActiveClusterWithCapacity).
    instances: services.reduce(
      (sum, s) =>
        sum +
        ((s['instance_list'] as { status: string }[]) ?? []).filter((i) =>
          WAITING_FOR_A_CLUSTER.has(i.status),
        ).length,
      0,
    ),
    queuedJobs: Object.values(jobs).reduce((a, b) => a + b, 0),
  };
}

/** What an accepted request created, from what was sent and answered. */
function account(expected: Counts, route: RouteName, sent: unknown, answer: unknown): void {
  switch (route) {
    case 'register':
      expected.users += 1;
      break;
    case 'createOrg':
      expected.organizations += 1;
      break;
    case 'createApp': {
      const apps = ((sent as Json)['applications'] as Json[]) ?? [];
      expected.applications += apps.length;
      expected.services += apps.reduce(
        (sum, a) => sum + ((a['microservices'] as unknown[]) ?? []).length,
        0,
      );
      break;
    }
    case 'addService':
      expected.services += ((answer as Json)['deployed_services'] as unknown[]).length;
      break;
    case 'scaleUp':
      expected.instances += 1;
      expected.queuedJobs += 1;
      break;
    default:
      break; // logins, refreshes and updates create nothing
  }
}
