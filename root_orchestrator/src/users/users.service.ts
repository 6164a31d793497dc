import {
  type ChangePasswordDto,
  type MessageDto,
  type PermissionsDto,
  type RegisterUserDto,
  type UpdateUserDto,
  type UserDto,
  UserRole,
} from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { ApplicationRepository } from '../applications/application.repository';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  NotImplementedError,
  UnprocessableError,
} from '../common/errors/domain-errors';
import { PasswordHasher } from '../auth/password-hasher';
import {
  requireAdmin,
  requireGrantable,
  requireSelfOrAdmin,
  requireUserManager,
} from '../auth/policies';
import type { Principal } from '../auth/principal';
import { rolesOf } from '../organizations/organization.model';
import { OrganizationRepository } from '../organizations/organization.repository';
import {
  assertRootKeepsAnAdmin,
  withMemberRoles,
  withoutMember,
} from '../organizations/organization.rules';
import type { User } from './user.model';
import { toUserDto } from './user.presenter';
import { UserRepository } from './user.repository';

/** Roles of a user registered without any (they can deploy applications). */
export const DEFAULT_ROLES: readonly UserRole[] = [UserRole.APPLICATION_PROVIDER];

export const PASSWORD_RESET_NOT_IMPLEMENTED =
  'Password reset by e-mail is not implemented in Canopy yet; an Admin can set a new password ' +
  'with PUT /api/user/<username>';

/** Seconds since the epoch: the unit of the JWT `iat` claim. */
export function nowSeconds(now: number = Date.now()): number {
  return Math.floor(now / 1000);
}

@Injectable()
export class UsersService {
  constructor(
    private readonly users: UserRepository,
    private readonly organizations: OrganizationRepository,
    private readonly applications: ApplicationRepository,
    private readonly hasher: PasswordHasher,
  ) {}

  /** POST /api/auth/register: a new user, member of the caller's organization. */
  async register(principal: Principal, dto: RegisterUserDto): Promise<UserDto> {
    requireUserManager(principal, principal.organizationId);
    const roles = [...new Set(dto.roles ?? DEFAULT_ROLES)];
    requireGrantable(principal, roles);
    const user = await this.users.create({
      name: dto.name,
      email: dto.email ?? '',
      passwordHash: await this.hasher.hash(dto.password),
      createdAt: new Date().toISOString(),
    });
    try {
      const organization = await this.organizations.modify(principal.organizationId, (current) => ({
        member: withMemberRoles(current.member, user.id, roles),
      }));
      if (!organization) throw new NotFoundError('Your organization no longer exists');
    } catch (error) {
      await this.users.deleteByName(user.name); // no user without the membership it was made for
      throw error;
    }
    return toUserDto(user, roles);
  }

  async get(principal: Principal, username: string): Promise<UserDto> {
    requireSelfOrAdmin(principal, username);
    const user = await this.mustFind(username);
    return toUserDto(user, await this.rolesInCallerOrganization(principal, user));
  }

  async permissions(principal: Principal, username: string): Promise<PermissionsDto> {
    requireSelfOrAdmin(principal, username);
    const user = await this.mustFind(username);
    return { roles: await this.rolesInCallerOrganization(principal, user) };
  }

  /** PUT /api/user/<username> (Admin): e-mail, password, roles in the caller's organization. */
  async update(principal: Principal, username: string, dto: UpdateUserDto): Promise<UserDto> {
    requireAdmin(principal);
    const user = await this.mustFind(username);
    if (dto.name !== undefined && dto.name !== username) {
      throw new UnprocessableError('A user cannot be renamed', [
        { path: 'name', message: `name must be ${username} (names are identities)` },
      ]);
    }
    if (dto.roles !== undefined) {
      const roles = dto.roles;
      const organization = await this.organizations.modify(principal.organizationId, (current) => {
        const member = withMemberRoles(current.member, user.id, roles);
        assertRootKeepsAnAdmin(current, member);
        return { member };
      });
      if (!organization) throw new NotFoundError('Your organization no longer exists');
    }
    const updated = await this.users.update(username, {
      ...(dto.email !== undefined ? { email: dto.email } : {}),
      ...(dto.password !== undefined
        ? { passwordHash: await this.hasher.hash(dto.password), tokensValidAfter: nowSeconds() }
        : {}),
    });
    if (!updated) throw new NotFoundError(`User ${username} does not exist`);
    return toUserDto(updated, await this.rolesInCallerOrganization(principal, updated));
  }

  /**
   * DELETE /api/user/<username> (Admin). Refused for oneself and for owners of applications
   * (their services would be orphaned); memberships go first, so a crash leaves a user who can no
   * longer log in and a repeated DELETE finishes the job.
   */
  async delete(principal: Principal, username: string): Promise<MessageDto> {
    requireAdmin(principal);
    const user = await this.mustFind(username);
    if (user.id === principal.userId) throw new ConflictError('You cannot delete yourself');
    const owned = await this.applications.countByOwner(user.name);
    if (owned > 0) {
      throw new ConflictError(
        `User ${username} still owns ${owned} application(s); delete them first`,
      );
    }
    for (const organization of await this.organizations.findByMember(user.id)) {
      await this.organizations.modify(organization.id, (current) => {
        const member = withoutMember(current.member, user.id);
        assertRootKeepsAnAdmin(current, member);
        return { member };
      });
    }
    await this.users.deleteByName(user.name);
    return { message: 'User deleted' };
  }

  /** POST /api/user/<username>: the user changes their own password; older tokens stop working. */
  async changePassword(
    principal: Principal,
    username: string,
    dto: ChangePasswordDto,
  ): Promise<MessageDto> {
    if (principal.username !== username) throw new ForbiddenError();
    const user = await this.mustFind(username);
    if (!(await this.hasher.verify(dto.oldPassword, user.passwordHash))) {
      throw new BadRequestError('Old password is not valid!', [
        { path: 'oldPassword', message: 'oldPassword does not match the current password' },
      ]);
    }
    if (dto.oldPassword === dto.newPassword) {
      throw new BadRequestError("Old password can't be the new password!", [
        { path: 'newPassword', message: 'newPassword must differ from oldPassword' },
      ]);
    }
    await this.users.update(username, {
      passwordHash: await this.hasher.hash(dto.newPassword),
      tokensValidAfter: nowSeconds(),
    });
    return { message: 'Password changed; tokens issued before now are no longer valid' };
  }

  /** GET /api/users/ (Admin). */
  async listAll(principal: Principal): Promise<UserDto[]> {
    requireAdmin(principal);
    return (await this.users.list()).map((user) => toUserDto(user));
  }

  /** GET /api/users/<organization_id>: members with their roles there. */
  async listOfOrganization(principal: Principal, organizationId: string): Promise<UserDto[]> {
    requireUserManager(principal, organizationId);
    const organization = await this.organizations.findById(organizationId);
    if (!organization) throw new NotFoundError('Organization not found');
    const users = await this.users.findByIds(organization.member.map((m) => m.user_id));
    return users.map((user) => toUserDto(user, rolesOf(organization, user.id)));
  }

  requestPasswordReset(): never {
    throw new NotImplementedError(PASSWORD_RESET_NOT_IMPLEMENTED);
  }

  resetPassword(): never {
    throw new NotImplementedError(PASSWORD_RESET_NOT_IMPLEMENTED);
  }

  private async mustFind(username: string): Promise<User> {
    const user = await this.users.findByName(username);
    if (!user) throw new NotFoundError(`User ${username} does not exist`);
    return user;
  }

  private async rolesInCallerOrganization(principal: Principal, user: User): Promise<UserRole[]> {
    const organization = await this.organizations.findById(principal.organizationId);
    return organization ? rolesOf(organization, user.id) : [];
  }
}
