import { UserRole } from '@canopy/contracts';
import type { Principal } from '../auth/principal';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotImplementedError,
  UnprocessableError,
} from '../common/errors/domain-errors';
import { FakeApplications, FakeOrganizations, FakeUsers, fakeHasher } from '../testing/fakes';
import { UsersService } from './users.service';

describe(UsersService.name, () => {
  let users: FakeUsers;
  let orgs: FakeOrganizations;
  let apps: FakeApplications;
  let sut: UsersService;
  let admin: Principal;
  let orgAdmin: Principal;

  beforeEach(async () => {
    users = new FakeUsers();
    orgs = new FakeOrganizations();
    apps = new FakeApplications();
    sut = new UsersService(
      users.asRepository(),
      orgs.asRepository(),
      apps.asRepository(),
      fakeHasher,
    );
    const a = await users.create({
      name: 'Admin',
      email: '',
      passwordHash: 'hashed:admin-pw',
      createdAt: 'then',
    });
    const root = await orgs.create('root', [{ user_id: a.id, roles: [UserRole.ADMIN] }]);
    const o = await users.create({
      name: 'olga',
      email: '',
      passwordHash: 'hashed:olga-pw',
      createdAt: 'then',
    });
    const shop = await orgs.create('shop', [
      { user_id: o.id, roles: [UserRole.ORGANIZATION_ADMIN] },
    ]);
    admin = { userId: a.id, username: 'Admin', organizationId: root.id, roles: [UserRole.ADMIN] };
    orgAdmin = {
      userId: o.id,
      username: 'olga',
      organizationId: shop.id,
      roles: [UserRole.ORGANIZATION_ADMIN],
    };
  });

  it("registers into the caller's organization, Application_Provider by default, never showing the hash", async () => {
    const dto = await sut.register(orgAdmin, { name: 'ann', password: 'ann-password' });
    expect(dto).toEqual({
      _id: expect.any(String),
      name: 'ann',
      email: '',
      created_at: expect.any(String),
      roles: ['Application_Provider'],
    });
    expect((await orgs.findById(orgAdmin.organizationId))?.member.map((m) => m.user_id)).toContain(
      dto._id,
    );
    expect((await users.findByName('ann'))?.passwordHash).toBe('hashed:ann-password');
  });

  it('lets only an Admin grant Admin, and nobody without a user-managing role register', async () => {
    await expect(
      sut.register(orgAdmin, { name: 'eve', password: 'eve-password', roles: [UserRole.ADMIN] }),
    ).rejects.toThrow(ForbiddenError);
    const provider = { ...orgAdmin, roles: [UserRole.APPLICATION_PROVIDER] };
    await expect(sut.register(provider, { name: 'eve', password: 'eve-password' })).rejects.toThrow(
      ForbiddenError,
    );
    expect(await users.findByName('eve')).toBeNull();
  });

  it('refuses a duplicate user name with 409', async () => {
    await expect(sut.register(admin, { name: 'olga', password: 'olga-password' })).rejects.toThrow(
      ConflictError,
    );
  });

  it('changes a password: self only, old one must match and differ; older tokens are revoked', async () => {
    const olga = { ...orgAdmin };
    await expect(
      sut.changePassword(admin, 'olga', { oldPassword: 'olga-pw', newPassword: 'new-password' }),
    ).rejects.toThrow(ForbiddenError);
    await expect(
      sut.changePassword(olga, 'olga', { oldPassword: 'wrong', newPassword: 'new-password' }),
    ).rejects.toThrow(BadRequestError);
    await expect(
      sut.changePassword(olga, 'olga', { oldPassword: 'olga-pw', newPassword: 'olga-pw' }),
    ).rejects.toThrow(BadRequestError);
    await sut.changePassword(olga, 'olga', { oldPassword: 'olga-pw', newPassword: 'new-password' });
    const stored = await users.findByName('olga');
    expect(stored?.passwordHash).toBe('hashed:new-password');
    expect(stored?.tokensValidAfter).toBeGreaterThan(0);
  });

  it('refuses to delete oneself, an owner of applications, or the last Admin of root', async () => {
    await expect(sut.delete(admin, 'Admin')).rejects.toThrow('You cannot delete yourself');
    apps.apps.push({
      id: 'x',
      application_name: 'a',
      application_namespace: 'b',
      application_desc: '',
      userId: 'olga',
      microservices: [],
    });
    await expect(sut.delete(admin, 'olga')).rejects.toThrow(ConflictError);
    apps.apps.length = 0;
    await expect(sut.delete(admin, 'olga')).resolves.toEqual({ message: 'User deleted' });
    expect(await orgs.findByMember(orgAdmin.userId)).toEqual([]);
    // Another Admin who is not in root cannot delete root's only Admin.
    const outsider = { ...admin, userId: 'f'.repeat(24), organizationId: 'e'.repeat(24) };
    await expect(sut.delete(outsider, 'Admin')).rejects.toThrow(ConflictError);
  });

  it('updates e-mail, roles and password, but never the name', async () => {
    await expect(sut.update(admin, 'olga', { name: 'olgA' })).rejects.toThrow(UnprocessableError);
    const updated = await sut.update(admin, 'olga', {
      email: 'o@example.org',
      roles: [UserRole.INFRASTRUCTURE_PROVIDER],
      password: 'fresh-password',
    });
    expect(updated).toMatchObject({ email: 'o@example.org', roles: ['Infrastructure_Provider'] });
    expect((await users.findByName('olga'))?.passwordHash).toBe('hashed:fresh-password');
    await expect(sut.update(admin, 'Admin', { roles: [] })).rejects.toThrow(ConflictError); // root keeps an Admin
    await expect(sut.update(orgAdmin, 'olga', { email: '' })).rejects.toThrow(ForbiddenError);
  });

  it('answers the e-mail reset flow with 501', () => {
    expect(() => sut.requestPasswordReset()).toThrow(NotImplementedError);
    expect(() => sut.resetPassword()).toThrow(NotImplementedError);
  });
});
