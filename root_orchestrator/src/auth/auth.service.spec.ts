import { TokenType, UserRole } from '@canopy/contracts';
import { UnauthorizedError } from '../common/errors/domain-errors';
import { FakeOrganizations, FakeUsers, fakeHasher } from '../testing/fakes';
import { AuthService, bearerToken, INVALID_CREDENTIALS } from './auth.service';
import type { TokenService, TokenSubject } from './token.service';

/** Tokens as JSON, so the service's rules are tested without signatures. */
const fakeTokens = {
  issuePair: async (s: TokenSubject) => ({
    token: JSON.stringify({ ...s, type: 'access' }),
    refresh_token: JSON.stringify({ ...s, type: 'refresh' }),
  }),
  issueAccess: async (s: TokenSubject) => JSON.stringify({ ...s, type: 'access' }),
  verify: async (token: string, type: TokenType) => {
    const s = JSON.parse(token) as TokenSubject & { type: TokenType; iat?: number };
    if (s.type !== type) throw new UnauthorizedError('wrong type');
    return {
      sub: s.username,
      user: s.username,
      roles: s.roles,
      organization: s.organizationId,
      type: s.type,
      jti: 'j',
      fresh: true,
      iat: s.iat ?? 100,
      nbf: 100,
      exp: 1e12,
    };
  },
} as unknown as TokenService;

describe(AuthService.name, () => {
  let users: FakeUsers;
  let orgs: FakeOrganizations;
  let sut: AuthService;
  let rootId: string;
  let shopId: string;
  let annId: string;

  beforeEach(async () => {
    users = new FakeUsers();
    orgs = new FakeOrganizations();
    sut = new AuthService(users.asRepository(), orgs.asRepository(), fakeHasher, fakeTokens);
    annId = (
      await users.create({ name: 'ann', email: '', passwordHash: 'hashed:pw', createdAt: '' })
    ).id;
    rootId = (
      await orgs.create('root', [{ user_id: annId, roles: [UserRole.APPLICATION_PROVIDER] }])
    ).id;
    shopId = (await orgs.create('shop', [{ user_id: annId, roles: [UserRole.ORGANIZATION_ADMIN] }]))
      .id;
    await orgs.create('other', []);
  });

  it('logs in to root by default, or to the named organization (either spelling), with its roles', async () => {
    expect(JSON.parse((await sut.login({ username: 'ann', password: 'pw' })).token)).toMatchObject({
      organizationId: rootId,
      roles: ['Application_Provider'],
    });
    expect(
      JSON.parse(
        (await sut.login({ username: 'ann', password: 'pw', organization_name: 'shop' })).token,
      ),
    ).toMatchObject({ organizationId: shopId, roles: ['Organization_Admin'] });
    expect(
      JSON.parse(
        (await sut.login({ username: 'ann', password: 'pw', organization: 'shop' })).token,
      ),
    ).toMatchObject({ organizationId: shopId });
  });

  it.each([
    ['an unknown user', { username: 'bob', password: 'pw' }],
    ['a wrong password', { username: 'ann', password: 'nope' }],
    ['an unknown organization', { username: 'ann', password: 'pw', organization_name: 'nowhere' }],
    [
      'an organization the user is not a member of',
      { username: 'ann', password: 'pw', organization_name: 'other' },
    ],
  ])('refuses %s with one message', async (_case, dto) => {
    await expect(sut.login(dto)).rejects.toThrow(new UnauthorizedError(INVALID_CREDENTIALS));
  });

  it('authenticates with the roles stored now, not those in the token', async () => {
    const { token } = await sut.login({ username: 'ann', password: 'pw' });
    await orgs.modify(rootId, () => ({ member: [{ user_id: annId, roles: [UserRole.ADMIN] }] }));
    expect(await sut.authenticate(`Bearer ${token}`)).toEqual({
      userId: annId,
      username: 'ann',
      organizationId: rootId,
      roles: ['Admin'],
    });
  });

  it('revokes tokens of deleted users, of removed members, and older than a password change', async () => {
    const { token, refresh_token } = await sut.login({ username: 'ann', password: 'pw' });
    await users.update('ann', { tokensValidAfter: 101 }); // token iat is 100
    await expect(sut.authenticate(`Bearer ${token}`)).rejects.toThrow('The token has been revoked');
    await expect(sut.refresh(`Bearer ${refresh_token}`)).rejects.toThrow(
      'The token has been revoked',
    );
    await users.update('ann', { tokensValidAfter: 0 });
    await orgs.modify(rootId, () => ({ member: [] }));
    await expect(sut.authenticate(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
    await users.deleteByName('ann');
    await expect(sut.authenticate(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
  });

  it('refreshes with a refresh token only', async () => {
    const { token, refresh_token } = await sut.login({ username: 'ann', password: 'pw' });
    expect(JSON.parse((await sut.refresh(`Bearer ${refresh_token}`)).token)).toMatchObject({
      username: 'ann',
      type: 'access',
    });
    await expect(sut.refresh(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
  });
});

describe(bearerToken.name, () => {
  it('reads "Bearer <token>" and refuses anything else', () => {
    expect(bearerToken('Bearer abc.def')).toBe('abc.def');
    expect(bearerToken('bearer   abc')).toBe('abc');
    for (const header of [undefined, '', 'Basic abc', 'Bearer', 'Bearer a b']) {
      expect(() => bearerToken(header)).toThrow('Missing authentication token');
    }
  });
});
