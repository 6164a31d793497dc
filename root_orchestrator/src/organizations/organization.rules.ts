import { ROOT_ORGANIZATION_NAME, UserRole } from '@canopy/contracts';
import { ConflictError, UnprocessableError } from '../common/errors/domain-errors';
import type { Organization, OrganizationMember } from './organization.model';

/**
 * The root organization must always keep a member with the Admin role: without one nobody could
 * manage users or organizations any more (there is no other way in).
 */
export function assertRootKeepsAnAdmin(
  organization: Pick<Organization, 'name'>,
  members: readonly OrganizationMember[],
): void {
  if (organization.name !== ROOT_ORGANIZATION_NAME) return;
  if (!members.some((m) => m.roles.includes(UserRole.ADMIN))) {
    throw new ConflictError(
      `The ${ROOT_ORGANIZATION_NAME} organization must keep at least one member with the Admin role`,
    );
  }
}

/** Member lists: each user once, roles without repeats (order kept). */
export function normalizeMembers(members: readonly OrganizationMember[]): OrganizationMember[] {
  const seen = new Set<string>();
  const duplicates: number[] = [];
  members.forEach((m, i) => {
    if (seen.has(m.user_id)) duplicates.push(i);
    seen.add(m.user_id);
  });
  if (duplicates.length > 0) {
    throw new UnprocessableError(
      'A user can be listed only once per organization',
      duplicates.map((i) => ({ path: `member[${i}].user_id`, message: 'user_id is listed twice' })),
    );
  }
  return members.map((m) => ({ user_id: m.user_id, roles: [...new Set(m.roles)] }));
}

/** `members` with `userId`'s roles set to `roles` (added when not a member yet). */
export function withMemberRoles(
  members: readonly OrganizationMember[],
  userId: string,
  roles: readonly UserRole[],
): OrganizationMember[] {
  const unique = [...new Set(roles)];
  const exists = members.some((m) => m.user_id === userId);
  return exists
    ? members.map((m) => (m.user_id === userId ? { user_id: userId, roles: unique } : m))
    : [...members, { user_id: userId, roles: unique }];
}

export function withoutMember(
  members: readonly OrganizationMember[],
  userId: string,
): OrganizationMember[] {
  return members.filter((m) => m.user_id !== userId);
}
