import {
  type LoginDto,
  ROOT_ORGANIZATION_NAME,
  type RootTokenClaims,
  TokenType,
} from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { UnauthorizedError } from '../common/errors/domain-errors';
import { isMember, rolesOf } from '../organizations/organization.model';
import { OrganizationRepository } from '../organizations/organization.repository';
import { UserRepository } from '../users/user.repository';
import { PasswordHasher } from './password-hasher';
import type { Principal } from './principal';
import { TokenService } from './token.service';

/** One message for every login failure: which part was wrong is nobody's business. */
export const INVALID_CREDENTIALS = 'invalid username, password or organization';
export const MISSING_TOKEN = 'Missing authentication token';

@Injectable()
export class AuthService {
  constructor(
    private readonly users: UserRepository,
    private readonly organizations: OrganizationRepository,
    private readonly hasher: PasswordHasher,
    private readonly tokens: TokenService,
  ) {}

  /**
   * Oakestra's login: user name and password, into `organization_name` (default `root`). Unlike
   * Oakestra, a user who is not a member of that organization is refused instead of getting a
   * token with no roles.
   */
  async login(dto: LoginDto): Promise<{ token: string; refresh_token: string }> {
    const user = await this.users.findByName(dto.username);
    const passwordOk = user
      ? await this.hasher.verify(dto.password, user.passwordHash)
      : await this.hasher.verifyNobody(dto.password);
    if (!user || !passwordOk) throw new UnauthorizedError(INVALID_CREDENTIALS);
    const organizationName = dto.organization_name ?? dto.organization ?? ROOT_ORGANIZATION_NAME;
    const organization = await this.organizations.findByName(organizationName);
    if (!organization || !isMember(organization, user.id)) {
      throw new UnauthorizedError(INVALID_CREDENTIALS);
    }
    return this.tokens.issuePair({
      username: user.name,
      organizationId: organization.id,
      roles: rolesOf(organization, user.id),
    });
  }

  /** New access token from a refresh token (Authorization header), with the current roles. */
  async refresh(authorization: string | undefined): Promise<{ token: string }> {
    const claims = await this.tokens.verify(bearerToken(authorization), TokenType.REFRESH);
    const principal = await this.resolve(claims);
    return {
      token: await this.tokens.issueAccess({
        username: principal.username,
        organizationId: principal.organizationId,
        roles: principal.roles,
      }),
    };
  }

  /** The caller of a protected route, from its `Authorization: Bearer <access token>`. */
  async authenticate(authorization: string | undefined): Promise<Principal> {
    const claims = await this.tokens.verify(bearerToken(authorization), TokenType.ACCESS);
    return this.resolve(claims);
  }

  /**
   * A valid signature is not enough: the user must still exist, the token must postdate their
   * last password change, and they must still belong to the token's organization.
   */
  private async resolve(claims: RootTokenClaims): Promise<Principal> {
    const user = await this.users.findByName(claims.sub);
    if (!user || claims.iat < user.tokensValidAfter) {
      throw new UnauthorizedError('The token has been revoked');
    }
    const organization = await this.organizations.findById(claims.organization);
    if (!organization || !isMember(organization, user.id)) {
      throw new UnauthorizedError('The token has been revoked');
    }
    return {
      userId: user.id,
      username: user.name,
      organizationId: organization.id,
      roles: rolesOf(organization, user.id),
    };
  }
}

export function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match?.[1]) throw new UnauthorizedError(MISSING_TOKEN);
  return match[1];
}
