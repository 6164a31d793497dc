import { loadConfig } from '@canopy/common';
import { TokenType, UserRole } from '@canopy/contracts';
import { JwtService } from '@nestjs/jwt';
import { UnauthorizedError } from '../common/errors/domain-errors';
import { RootConfig } from '../config/root-config';
import { generatePemKeyPair, type JwtKeysService, keyId } from './jwt-keys.service';
import { TokenService } from './token.service';

const subject = {
  username: 'ann',
  organizationId: 'a'.repeat(24),
  roles: [UserRole.APPLICATION_PROVIDER],
};
const config = (env: Record<string, string> = {}) =>
  loadConfig(RootConfig, { MONGO_URL: 'mongodb://db', REDIS_URL: 'redis://cache', ...env });

describe(TokenService.name, () => {
  let keys: JwtKeysService;
  let otherKeys: JwtKeysService;

  beforeAll(async () => {
    const pair = await generatePemKeyPair();
    keys = { signingKeys: { ...pair, kid: keyId(pair.publicKeyPem) } } as JwtKeysService;
    const other = await generatePemKeyPair();
    otherKeys = { signingKeys: { ...other, kid: keyId(other.publicKeyPem) } } as JwtKeysService;
  });

  it("issues RS256 tokens with Oakestra's claims, and verifies them", async () => {
    const sut = new TokenService(new JwtService({}), keys, config());
    const pair = await sut.issuePair(subject);
    const [header] = pair.token.split('.');
    expect(JSON.parse(Buffer.from(header ?? '', 'base64url').toString())).toEqual({
      alg: 'RS256',
      typ: 'JWT',
      kid: keys.signingKeys.kid,
    });
    const access = await sut.verify(pair.token, TokenType.ACCESS);
    expect(access).toMatchObject({
      sub: 'ann',
      user: 'ann',
      roles: ['Application_Provider'],
      organization: subject.organizationId,
      type: 'access',
      fresh: true,
    });
    expect(access.exp - access.iat).toBe(600);
    const refresh = await sut.verify(pair.refresh_token, TokenType.REFRESH);
    expect(refresh.exp - refresh.iat).toBe(7 * 24 * 3600);
    expect(access.jti).not.toBe(refresh.jti);
  });

  it('uses the configured lifetimes', async () => {
    const sut = new TokenService(
      new JwtService({}),
      keys,
      config({ JWT_ACCESS_TTL: '30s', JWT_REFRESH_TTL: '1h' }),
    );
    const pair = await sut.issuePair(subject);
    const access = await sut.verify(pair.token, TokenType.ACCESS);
    expect(access.exp - access.iat).toBe(30);
  });

  it('refuses the wrong token type, another key, tampering and expiry', async () => {
    const sut = new TokenService(new JwtService({}), keys, config({ JWT_ACCESS_TTL: '1s' }));
    const pair = await sut.issuePair(subject);
    await expect(sut.verify(pair.refresh_token, TokenType.ACCESS)).rejects.toThrow(
      UnauthorizedError,
    );
    await expect(sut.verify(pair.token, TokenType.REFRESH)).rejects.toThrow(UnauthorizedError);
    const foreign = await new TokenService(new JwtService({}), otherKeys, config()).issuePair(
      subject,
    );
    await expect(sut.verify(foreign.token, TokenType.ACCESS)).rejects.toThrow(
      'The token is not valid',
    );
    const [h, , s] = pair.token.split('.');
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: 'ann', roles: ['Admin'] })).toString('base64url')}.${s}`;
    await expect(sut.verify(forged, TokenType.ACCESS)).rejects.toThrow(UnauthorizedError);
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${pair.token.split('.')[1]}.`;
    await expect(sut.verify(none, TokenType.ACCESS)).rejects.toThrow(UnauthorizedError);
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    await expect(sut.verify(pair.token, TokenType.ACCESS)).rejects.toThrow('The token has expired');
  });
});
