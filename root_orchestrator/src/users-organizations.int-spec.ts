import { RootRoute, rootPath } from '@canopy/contracts';
import request from 'supertest';
import {
  adminLogin,
  bearer,
  createUser,
  login,
  type RootTestApp,
  simpleSla,
  startRootTestApp,
  TEST_ADMIN_PASSWORD,
} from './testing/root-test-app';

type Json = Record<string, unknown>;

describe('users and organizations (real FerretDB)', () => {
  let root: RootTestApp;
  let admin: string;

  beforeAll(async () => {
    root = await startRootTestApp();
    admin = (await adminLogin(root)).token;
  });

  afterAll(() => root.close());

  it('bootstraps Admin in root with every role', async () => {
    const api = request(root.url);
    expect(
      (
        await api
          .get(rootPath(RootRoute.PERMISSION, { username: 'Admin' }))
          .set(bearer(admin))
          .expect(200)
      ).body,
    ).toEqual({
      roles: ['Admin', 'Organization_Admin', 'Application_Provider', 'Infrastructure_Provider'],
    });
    const user = (
      await api
        .get(rootPath(RootRoute.USER, { username: 'Admin' }))
        .set(bearer(admin))
        .expect(200)
    ).body as Json;
    expect(user).toEqual({
      _id: expect.stringMatching(/^[0-9a-f]{24}$/),
      name: 'Admin',
      email: '',
      created_at: expect.any(String),
      roles: expect.any(Array),
    });
    expect(JSON.stringify((await api.get(RootRoute.USERS).set(bearer(admin))).body)).not.toContain(
      'password',
    );
  });

  it('organizations: created by Admin, joined per organization, logged into by name, managed by their Organization_Admin', async () => {
    const api = request(root.url);
    const olga = await createUser(root, admin, 'olga', ['Application_Provider']);
    const shop = (
      await api
        .post(RootRoute.ORGANIZATIONS)
        .set(bearer(admin))
        .send({ name: 'shop', member: [{ user_id: olga.id, roles: ['Organization_Admin'] }] })
        .expect(200)
    ).body as Json;
    const shopId = (shop['_id'] as { $oid: string }).$oid;
    expect(shop).toEqual({
      _id: { $oid: shopId },
      name: 'shop',
      member: [{ user_id: olga.id, roles: ['Organization_Admin'] }],
    });
    await api.post(RootRoute.ORGANIZATIONS).set(bearer(admin)).send({ name: 'shop' }).expect(409);

    // Olga in "shop" is its Organization_Admin; she registers Sam there (not as Admin).
    const olgaShop = (await login(root, 'olga', olga.password, 'shop')).token;
    await api
      .post(RootRoute.AUTH_REGISTER)
      .set(bearer(olgaShop))
      .send({ name: 'sam', password: 'sam-password', roles: ['Admin'] })
      .expect(403);
    await api
      .post(RootRoute.AUTH_REGISTER)
      .set(bearer(olgaShop))
      .send({ name: 'sam', password: 'sam-password' })
      .expect(200);
    const members = (
      await api
        .get(rootPath(RootRoute.USERS_OF_ORGANIZATION, { organization_id: shopId }))
        .set(bearer(olgaShop))
        .expect(200)
    ).body as Json[];
    expect(members.map((m) => [m['name'], m['roles']]).sort()).toEqual([
      ['olga', ['Organization_Admin']],
      ['sam', ['Application_Provider']],
    ]);
    // Sam belongs to shop only: logging in to root is refused.
    await request(root.url)
      .post(RootRoute.AUTH_LOGIN)
      .send({ username: 'sam', password: 'sam-password' })
      .expect(401);
    await login(root, 'sam', 'sam-password', 'shop');

    // root cannot be renamed, deleted, or left without an Admin.
    const orgs = (await api.get(RootRoute.ORGANIZATIONS).set(bearer(admin))).body as Json[];
    const rootId = ((orgs.find((o) => o['name'] === 'root') as Json)['_id'] as { $oid: string })
      .$oid;
    await api
      .put(rootPath(RootRoute.ORGANIZATION, { organization_id: rootId }))
      .set(bearer(admin))
      .send({ name: 'top' })
      .expect(409);
    await api
      .put(rootPath(RootRoute.ORGANIZATION, { organization_id: rootId }))
      .set(bearer(admin))
      .send({ member: [] })
      .expect(409);
    await api
      .delete(rootPath(RootRoute.ORGANIZATION, { organization_id: rootId }))
      .set(bearer(admin))
      .expect(409);
    await api
      .put(rootPath(RootRoute.ORGANIZATION, { organization_id: shopId }))
      .set(bearer(admin))
      .send({ member: [{ user_id: 'f'.repeat(24), roles: [] }] })
      .expect(422);

    // Deleting an organization revokes tokens issued for it.
    await api
      .delete(rootPath(RootRoute.ORGANIZATION, { organization_id: shopId }))
      .set(bearer(admin))
      .expect(200, { message: 'Organization deleted' });
    await api
      .get(rootPath(RootRoute.USER, { username: 'olga' }))
      .set(bearer(olgaShop))
      .expect(401);
  });

  it('a password change revokes older tokens; refresh gives a working access token', async () => {
    const api = request(root.url);
    const pat = await createUser(root, admin, 'pat');
    const tokens = await login(root, 'pat', pat.password);
    const refreshed = (
      await api.post(RootRoute.AUTH_REFRESH).set(bearer(tokens.refresh_token)).expect(200)
    ).body as Json;
    expect(Object.keys(refreshed)).toEqual(['token']);
    await api
      .get(rootPath(RootRoute.USER, { username: 'pat' }))
      .set(bearer(refreshed['token'] as string))
      .expect(200);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // iat has a one-second resolution
    await api
      .post(rootPath(RootRoute.USER, { username: 'pat' }))
      .set(bearer(tokens.token))
      .send({ oldPassword: pat.password, newPassword: 'pat-new-password' })
      .expect(200);
    await api
      .get(rootPath(RootRoute.USER, { username: 'pat' }))
      .set(bearer(tokens.token))
      .expect(401);
    await api.post(RootRoute.AUTH_REFRESH).set(bearer(tokens.refresh_token)).expect(401);
    await request(root.url)
      .post(RootRoute.AUTH_LOGIN)
      .send({ username: 'pat', password: pat.password })
      .expect(401);
    await login(root, 'pat', 'pat-new-password');
  });

  it('roles gate the application routes; owners of applications cannot be deleted', async () => {
    const api = request(root.url);
    const ian = await createUser(root, admin, 'ian', ['Infrastructure_Provider']);
    const denied = await api
      .post(RootRoute.APPLICATION_CREATE)
      .set(bearer(ian.token))
      .send(simpleSla('x', ['y']))
      .expect(403);
    expect(denied.body.message).toContain('Application_Provider');
    const ada = await createUser(root, admin, 'ada');
    const [app] = (
      await api
        .post(RootRoute.APPLICATION_CREATE)
        .set(bearer(ada.token))
        .send(simpleSla('owned', ['web']))
        .expect(200)
    ).body as Json[];
    await api
      .delete(rootPath(RootRoute.USER, { username: 'ada' }))
      .set(bearer(admin))
      .expect(409);
    await api
      .delete(rootPath(RootRoute.APPLICATION, { appid: (app as Json)['applicationID'] as string }))
      .set(bearer(admin))
      .expect(200);
    await api
      .delete(rootPath(RootRoute.USER, { username: 'ada' }))
      .set(bearer(admin))
      .expect(200, { message: 'User deleted' });
    await api
      .get(rootPath(RootRoute.USER, { username: 'ada' }))
      .set(bearer(ada.token))
      .expect(401);
    await api
      .delete(rootPath(RootRoute.USER, { username: 'Admin' }))
      .set(bearer(admin))
      .expect(409);
  });

  it('a second root on the same database keeps users and keys: old tokens verify, Admin is not re-created', async () => {
    const tokenBefore = (await adminLogin(root)).token;
    const second = await startRootTestApp({
      database: root.database,
      prefix: root.config.BULLMQ_PREFIX,
    });
    try {
      await request(second.url).get(RootRoute.USERS).set(bearer(tokenBefore)).expect(200);
      await login(second, 'Admin', TEST_ADMIN_PASSWORD);
      expect(await second.db.collection('users').countDocuments({ name: 'Admin' })).toBe(1);
      expect(await second.db.collection('jwt_keys').countDocuments()).toBe(1);
    } finally {
      await second.close({ drop: false });
    }
  });
});
