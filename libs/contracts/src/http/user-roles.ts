/**
 * Oakestra's user roles (reference/oakestra.md §2), held per organization membership and carried
 * in the JWT `roles` claim. The strings are part of the API: never rename.
 */
export const UserRole = {
  /** Everything, in every organization (Oakestra's semantics). */
  ADMIN: 'Admin',
  /** Manages the users of their own organization. */
  ORGANIZATION_ADMIN: 'Organization_Admin',
  /** Deploys applications. */
  APPLICATION_PROVIDER: 'Application_Provider',
  /** Contributes clusters. */
  INFRASTRUCTURE_PROVIDER: 'Infrastructure_Provider',
} as const;
export type UserRole = (typeof UserRole)[keyof typeof UserRole];
export const USER_ROLES: readonly UserRole[] = Object.values(UserRole);

const ROLE_SET: ReadonlySet<unknown> = new Set(USER_ROLES);
export function isUserRole(value: unknown): value is UserRole {
  return ROLE_SET.has(value);
}

/** The organization created at first boot; login without `organization_name` uses it. */
export const ROOT_ORGANIZATION_NAME = 'root';
/** The user created at first boot, member of the root organization with every role. */
export const BOOTSTRAP_ADMIN_USERNAME = 'Admin';

/** Value of the `type` claim (flask-jwt-extended's names, as Oakestra's tokens carry them). */
export const TokenType = { ACCESS: 'access', REFRESH: 'refresh' } as const;
export type TokenType = (typeof TokenType)[keyof typeof TokenType];

/**
 * Claims of the root's RS256 tokens. Oakestra's: `sub` (username), `user`, `roles`,
 * `organization` (organization id), plus flask-jwt-extended's `type`, `jti`, `fresh`, `iat`,
 * `nbf`, `exp`. Canopy adds no claim; the header carries `kid` (key thumbprint).
 */
export interface RootTokenClaims {
  sub: string;
  user: string;
  roles: UserRole[];
  organization: string;
  type: TokenType;
  jti: string;
  fresh: boolean;
  iat: number;
  nbf: number;
  exp: number;
}
