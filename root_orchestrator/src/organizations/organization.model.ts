import type { UserRole } from '@canopy/contracts';

export interface OrganizationMember {
  /** User id (ObjectId hex). */
  user_id: string;
  roles: UserRole[];
}

/** An organization as services see it. */
export interface Organization {
  id: string;
  name: string;
  member: OrganizationMember[];
}

/** The roles `userId` holds in `organization` ([] when not a member). */
export function rolesOf(organization: Organization, userId: string): UserRole[] {
  return organization.member.find((m) => m.user_id === userId)?.roles ?? [];
}

export function isMember(organization: Organization, userId: string): boolean {
  return organization.member.some((m) => m.user_id === userId);
}
