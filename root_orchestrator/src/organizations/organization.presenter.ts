import type { OrganizationDto } from '@canopy/contracts';
import { toOid } from '../common/http/object-id';
import type { Organization } from './organization.model';

/** Oakestra renders organizations with BSON json_util: `_id` as `{"$oid": ...}`. */
export function toOrganizationDto(organization: Organization): OrganizationDto {
  return {
    _id: toOid(organization.id),
    name: organization.name,
    member: organization.member.map((m) => ({ user_id: m.user_id, roles: [...m.roles] })),
  };
}
