import { UserRole } from '@canopy/contracts';
import { ForbiddenError } from '../common/errors/domain-errors';
import type { Principal } from './principal';

/**
 * Authorization rules, pure so they are unit-tested as a table. Oakestra's semantics: `Admin` in
 * the token's organization may do everything; everything else is per route (README "Roles").
 */

export function isAdmin(principal: Principal): boolean {
  return principal.roles.includes(UserRole.ADMIN);
}

export function requireAdmin(principal: Principal): void {
  if (!isAdmin(principal)) throw new ForbiddenError();
}

/** The user themself, or an Admin. */
export function requireSelfOrAdmin(principal: Principal, username: string): void {
  if (principal.username !== username && !isAdmin(principal)) throw new ForbiddenError();
}

/** Applications, services and instances: Application_Provider (or Admin). */
export function requireApplicationProvider(principal: Principal): void {
  if (!isAdmin(principal) && !principal.roles.includes(UserRole.APPLICATION_PROVIDER)) {
    throw new ForbiddenError(
      'You have not enough permissions! Applications need the Application_Provider role',
    );
  }
}

/** Creating users and listing an organization's users: Admin, or that organization's admin. */
export function requireUserManager(principal: Principal, organizationId: string): void {
  if (isAdmin(principal)) return;
  const orgAdmin = principal.roles.includes(UserRole.ORGANIZATION_ADMIN);
  if (!orgAdmin || principal.organizationId !== organizationId) throw new ForbiddenError();
}

/** Only an Admin can hand out the Admin role (an Organization_Admin could otherwise escalate). */
export function requireGrantable(principal: Principal, roles: readonly UserRole[]): void {
  if (roles.includes(UserRole.ADMIN) && !isAdmin(principal)) {
    throw new ForbiddenError('You have not enough permissions! Only an Admin can grant Admin');
  }
}
