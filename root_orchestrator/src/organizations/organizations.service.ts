import {
  type CreateOrganizationDto,
  type MessageDto,
  type OrganizationDto,
  ROOT_ORGANIZATION_NAME,
  type UpdateOrganizationDto,
} from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { requireAdmin } from '../auth/policies';
import type { Principal } from '../auth/principal';
import { ConflictError, NotFoundError, UnprocessableError } from '../common/errors/domain-errors';
import { UserRepository } from '../users/user.repository';
import type { OrganizationMember } from './organization.model';
import { toOrganizationDto } from './organization.presenter';
import { OrganizationRepository } from './organization.repository';
import { assertRootKeepsAnAdmin, normalizeMembers } from './organization.rules';

/** Organizations CRUD (Admin only, as in Oakestra). */
@Injectable()
export class OrganizationsService {
  constructor(
    private readonly organizations: OrganizationRepository,
    private readonly users: UserRepository,
  ) {}

  async list(principal: Principal): Promise<OrganizationDto[]> {
    requireAdmin(principal);
    return (await this.organizations.list()).map(toOrganizationDto);
  }

  async create(principal: Principal, dto: CreateOrganizationDto): Promise<OrganizationDto> {
    requireAdmin(principal);
    const member = await this.checkedMembers(dto.member ?? []);
    return toOrganizationDto(await this.organizations.create(dto.name, member));
  }

  /** `member`, when given, replaces the list. `root` keeps its name and at least one Admin. */
  async update(
    principal: Principal,
    id: string,
    dto: UpdateOrganizationDto,
  ): Promise<OrganizationDto> {
    requireAdmin(principal);
    const member = dto.member === undefined ? undefined : await this.checkedMembers(dto.member);
    const updated = await this.organizations.modify(id, (current) => {
      if (
        current.name === ROOT_ORGANIZATION_NAME &&
        dto.name !== undefined &&
        dto.name !== current.name
      ) {
        throw new ConflictError(`The ${ROOT_ORGANIZATION_NAME} organization cannot be renamed`);
      }
      if (member !== undefined) assertRootKeepsAnAdmin(current, member);
      return {
        ...(dto.name !== undefined ? { name: dto.name } : {}),
        ...(member !== undefined ? { member } : {}),
      };
    });
    if (!updated) throw new NotFoundError('Organization not found');
    return toOrganizationDto(updated);
  }

  async delete(principal: Principal, id: string): Promise<MessageDto> {
    requireAdmin(principal);
    const organization = await this.organizations.findById(id);
    if (!organization) throw new NotFoundError('Organization not found');
    if (organization.name === ROOT_ORGANIZATION_NAME) {
      throw new ConflictError(`The ${ROOT_ORGANIZATION_NAME} organization cannot be deleted`);
    }
    await this.organizations.delete(id);
    return { message: 'Organization deleted' };
  }

  /** Each user once, and every user must exist (422 with the path of the unknown one). */
  private async checkedMembers(
    members: readonly OrganizationMember[],
  ): Promise<OrganizationMember[]> {
    const normalized = normalizeMembers(members);
    const known = new Set(
      (await this.users.findByIds(normalized.map((m) => m.user_id))).map((u) => u.id),
    );
    const unknown = normalized.flatMap((m, i) =>
      known.has(m.user_id) ? [] : [{ path: `member[${i}].user_id`, message: 'no such user' }],
    );
    if (unknown.length > 0) throw new UnprocessableError('Unknown users in member', unknown);
    return normalized;
  }
}
