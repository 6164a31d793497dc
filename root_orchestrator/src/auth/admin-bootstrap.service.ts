import { randomBytes } from 'node:crypto';
import { BOOTSTRAP_ADMIN_USERNAME, ROOT_ORGANIZATION_NAME, USER_ROLES } from '@canopy/contracts';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ConflictError } from '../common/errors/domain-errors';
import { RootConfig } from '../config/root-config';
import { isMember, type Organization } from '../organizations/organization.model';
import { OrganizationRepository } from '../organizations/organization.repository';
import type { User } from '../users/user.model';
import { UserRepository } from '../users/user.repository';
import { PasswordHasher } from './password-hasher';

/** 18 random bytes: 24 URL-safe characters, 144 bits. */
export function generateAdminPassword(): string {
  return randomBytes(18).toString('base64url');
}

export function generatedPasswordBanner(password: string): string {
  const rule = '='.repeat(72);
  return [
    rule,
    `Canopy root: created the bootstrap user "${BOOTSTRAP_ADMIN_USERNAME}" with a GENERATED password:`,
    '',
    `    ${password}`,
    '',
    'It is printed only this once and stored only as a bcrypt hash. Log in and change it:',
    `    POST /api/auth/login {"username": "${BOOTSTRAP_ADMIN_USERNAME}", "password": "..."}`,
    `    POST /api/user/${BOOTSTRAP_ADMIN_USERNAME} {"oldPassword": "...", "newPassword": "..."}`,
    'To choose it instead, set ADMIN_PASSWORD before the first boot.',
    rule,
  ].join('\n');
}

/**
 * First boot: user `Admin` and organization `root` with Admin as a member holding every role
 * (Oakestra's bootstrap, minus its fixed `Admin`/`Admin` password). The password is ADMIN_PASSWORD
 * or generated and logged once at warn level. Later boots change nothing: the stored hash stays,
 * even if ADMIN_PASSWORD changed (a warning says so). Safe when several roots boot at once: the
 * unique names make exactly one insert win.
 */
@Injectable()
export class AdminBootstrapService implements OnApplicationBootstrap {
  constructor(
    private readonly users: UserRepository,
    private readonly organizations: OrganizationRepository,
    private readonly hasher: PasswordHasher,
    private readonly config: RootConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('AdminBootstrap');
  }

  async onApplicationBootstrap(): Promise<void> {
    const { admin, created } = await this.ensureAdmin();
    await this.ensureRootOrganization(admin, created);
  }

  private async ensureAdmin(): Promise<{ admin: User; created: boolean }> {
    const existing = await this.users.findByName(BOOTSTRAP_ADMIN_USERNAME);
    if (existing) {
      const configured = this.config.ADMIN_PASSWORD;
      if (
        configured !== undefined &&
        !(await this.hasher.verify(configured, existing.passwordHash))
      ) {
        this.logger.warn(
          `ADMIN_PASSWORD differs from the stored password of "${BOOTSTRAP_ADMIN_USERNAME}"; ` +
            'the stored one stays in force (ADMIN_PASSWORD is only used when the user is created)',
        );
      }
      return { admin: existing, created: false };
    }
    const password = this.config.ADMIN_PASSWORD ?? generateAdminPassword();
    try {
      const admin = await this.users.create({
        name: BOOTSTRAP_ADMIN_USERNAME,
        email: '',
        passwordHash: await this.hasher.hash(password),
        createdAt: new Date().toISOString(),
      });
      // Logged right after the insert: the password exists nowhere else.
      if (this.config.ADMIN_PASSWORD === undefined) {
        this.announce(generatedPasswordBanner(password));
      } else {
        this.logger.info(
          `created "${BOOTSTRAP_ADMIN_USERNAME}" with the password from ADMIN_PASSWORD`,
        );
      }
      return { admin, created: true };
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      const winner = await this.users.findByName(BOOTSTRAP_ADMIN_USERNAME); // another root won
      if (!winner) throw error;
      return { admin: winner, created: false };
    }
  }

  /**
   * At warn level; when LOG_LEVEL hides warnings (error, fatal, silent) straight to stderr instead,
   * since a password nobody saw would lock everyone out.
   */
  private announce(banner: string): void {
    if (this.logger.logger.isLevelEnabled('warn')) this.logger.warn(banner);
    else process.stderr.write(`${banner}\n`);
  }

  private async ensureRootOrganization(admin: User, adminCreated: boolean): Promise<void> {
    let root: Organization | null = await this.organizations.findByName(ROOT_ORGANIZATION_NAME);
    if (!root) {
      try {
        await this.organizations.create(ROOT_ORGANIZATION_NAME, [
          { user_id: admin.id, roles: [...USER_ROLES] },
        ]);
        this.logger.info(`created organization "${ROOT_ORGANIZATION_NAME}"`);
        return;
      } catch (error) {
        if (!(error instanceof ConflictError)) throw error;
        root = await this.organizations.findByName(ROOT_ORGANIZATION_NAME);
        if (!root) throw error;
      }
    }
    // A re-created Admin (its document was removed to reset a lost password) gets its roles back;
    // an existing Admin's memberships are the operators' business.
    if (adminCreated && !isMember(root, admin.id)) {
      await this.organizations.modify(root.id, (current) =>
        isMember(current, admin.id)
          ? null
          : { member: [...current.member, { user_id: admin.id, roles: [...USER_ROLES] }] },
      );
    }
  }
}
