import type { UserRole } from '@canopy/contracts';

/**
 * Who is calling: resolved from a verified access token and the CURRENT database state (user
 * still exists, still a member, roles as stored now), so revoking a role or deleting a user takes
 * effect at once rather than when the token expires.
 */
export interface Principal {
  userId: string;
  username: string;
  /** The organization the token was issued for (login's `organization_name`). */
  organizationId: string;
  roles: UserRole[];
}
