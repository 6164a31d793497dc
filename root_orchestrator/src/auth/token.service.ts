import { randomUUID } from 'node:crypto';
import { isUserRole, type RootTokenClaims, TokenType, type UserRole } from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { UnauthorizedError } from '../common/errors/domain-errors';
import { RootConfig } from '../config/root-config';
import { JwtKeysService } from './jwt-keys.service';

/** What a token is issued for. */
export interface TokenSubject {
  username: string;
  organizationId: string;
  roles: UserRole[];
}

export const INVALID_TOKEN = 'The token is not valid';

/**
 * Mints and verifies the root's RS256 JWTs with Oakestra's claims (sub/user = user name, roles,
 * organization id) and flask-jwt-extended's (type, jti, fresh), so Oakestra's tooling can read
 * them. Verification checks signature, algorithm, expiry and the expected `type`.
 */
@Injectable()
export class TokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly keys: JwtKeysService,
    private readonly config: RootConfig,
  ) {}

  async issuePair(subject: TokenSubject): Promise<{ token: string; refresh_token: string }> {
    return {
      token: await this.sign(subject, TokenType.ACCESS, true),
      refresh_token: await this.sign(subject, TokenType.REFRESH, false),
    };
  }

  /** A new access token from a refresh; not `fresh` (it was not made from a password). */
  issueAccess(subject: TokenSubject): Promise<string> {
    return this.sign(subject, TokenType.ACCESS, false);
  }

  async verify(token: string, expected: TokenType): Promise<RootTokenClaims> {
    const { publicKeyPem } = this.keys.signingKeys;
    let payload: unknown;
    try {
      payload = await this.jwt.verifyAsync(token, {
        algorithms: ['RS256'],
        publicKey: publicKeyPem,
      });
    } catch (error) {
      const expired = (error as { name?: string } | null)?.name === 'TokenExpiredError';
      throw new UnauthorizedError(expired ? 'The token has expired' : INVALID_TOKEN);
    }
    const claims = asClaims(payload);
    if (!claims) throw new UnauthorizedError(INVALID_TOKEN);
    if (claims.type !== expected) {
      throw new UnauthorizedError(
        expected === TokenType.ACCESS
          ? 'Only access tokens are accepted here'
          : 'Only refresh tokens are accepted here',
      );
    }
    return claims;
  }

  private sign(subject: TokenSubject, type: TokenType, fresh: boolean): Promise<string> {
    const { privateKeyPem, kid } = this.keys.signingKeys;
    const claims = {
      sub: subject.username,
      user: subject.username,
      roles: subject.roles,
      organization: subject.organizationId,
      type,
      fresh,
      jti: randomUUID(),
    };
    return this.jwt.signAsync(claims, {
      algorithm: 'RS256',
      privateKey: privateKeyPem,
      keyid: kid,
      notBefore: 0,
      expiresIn:
        type === TokenType.ACCESS
          ? this.config.jwtAccessTtlSeconds
          : this.config.jwtRefreshTtlSeconds,
    });
  }
}

/** Checks the claims' shape; tokens Oakestra marks as file-access tokens are refused, as there. */
function asClaims(payload: unknown): RootTokenClaims | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const p = payload as Record<string, unknown>;
  if (p['file_access_token']) return null;
  const ok =
    typeof p['sub'] === 'string' &&
    typeof p['organization'] === 'string' &&
    (p['type'] === TokenType.ACCESS || p['type'] === TokenType.REFRESH) &&
    Array.isArray(p['roles']) &&
    p['roles'].every(isUserRole) &&
    typeof p['iat'] === 'number' &&
    typeof p['exp'] === 'number';
  return ok ? (p as unknown as RootTokenClaims) : null;
}
