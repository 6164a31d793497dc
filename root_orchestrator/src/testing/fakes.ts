import type { UserRole } from '@canopy/contracts';
import type { Application } from '../applications/application.model';
import type { ApplicationRepository } from '../applications/application.repository';
import type { PasswordHasher } from '../auth/password-hasher';
import type { Principal } from '../auth/principal';
import { ConflictError } from '../common/errors/domain-errors';
import type { Organization, OrganizationMember } from '../organizations/organization.model';
import type { OrganizationRepository } from '../organizations/organization.repository';
import type { User } from '../users/user.model';
import type { NewUser, UserChanges, UserRepository } from '../users/user.repository';

/** In-memory stand-ins for the repositories, for unit tests of the services' rules. */

let nextId = 1;
export function fakeId(): string {
  return (nextId++).toString(16).padStart(24, '0');
}

export class FakeUsers {
  readonly byName = new Map<string, User>();

  async create(user: NewUser): Promise<User> {
    if (this.byName.has(user.name)) throw new ConflictError(`User ${user.name} already exists`);
    const created: User = { id: fakeId(), ...user, tokensValidAfter: 0 };
    this.byName.set(user.name, created);
    return created;
  }
  async findByName(name: string): Promise<User | null> {
    return this.byName.get(name) ?? null;
  }
  async findById(id: string): Promise<User | null> {
    return [...this.byName.values()].find((u) => u.id === id) ?? null;
  }
  async findByIds(ids: readonly string[]): Promise<User[]> {
    return [...this.byName.values()].filter((u) => ids.includes(u.id));
  }
  async list(): Promise<User[]> {
    return [...this.byName.values()];
  }
  async update(name: string, changes: UserChanges): Promise<User | null> {
    const user = this.byName.get(name);
    if (!user) return null;
    const updated = { ...user, ...changes };
    this.byName.set(name, updated);
    return updated;
  }
  async deleteByName(name: string): Promise<boolean> {
    return this.byName.delete(name);
  }

  asRepository(): UserRepository {
    return this as unknown as UserRepository;
  }
}

export class FakeOrganizations {
  readonly byId = new Map<string, Organization>();

  async create(name: string, member: OrganizationMember[]): Promise<Organization> {
    if ([...this.byId.values()].some((o) => o.name === name)) {
      throw new ConflictError(`An organization named ${name} already exists`);
    }
    const created = { id: fakeId(), name, member };
    this.byId.set(created.id, created);
    return created;
  }
  async findById(id: string): Promise<Organization | null> {
    return this.byId.get(id) ?? null;
  }
  async findByName(name: string): Promise<Organization | null> {
    return [...this.byId.values()].find((o) => o.name === name) ?? null;
  }
  async findByMember(userId: string): Promise<Organization[]> {
    return [...this.byId.values()].filter((o) => o.member.some((m) => m.user_id === userId));
  }
  async list(): Promise<Organization[]> {
    return [...this.byId.values()];
  }
  async modify(
    id: string,
    change: (current: Organization) => { name?: string; member?: OrganizationMember[] } | null,
  ): Promise<Organization | null> {
    const current = this.byId.get(id);
    if (!current) return null;
    const next = change(current);
    if (!next) return current;
    const updated = { ...current, ...next };
    this.byId.set(id, updated);
    return updated;
  }
  async delete(id: string): Promise<boolean> {
    return this.byId.delete(id);
  }

  asRepository(): OrganizationRepository {
    return this as unknown as OrganizationRepository;
  }
}

export class FakeApplications {
  readonly apps: Application[] = [];

  async countByOwner(userId: string): Promise<number> {
    return this.apps.filter((a) => a.userId === userId).length;
  }

  asRepository(): ApplicationRepository {
    return this as unknown as ApplicationRepository;
  }
}

/** "Hashes" by prefixing: the rules, not bcrypt, are under test. */
export const fakeHasher = {
  hash: async (password: string) => `hashed:${password}`,
  verify: async (password: string, hash: string) => hash === `hashed:${password}`,
  verifyNobody: async () => false as const,
} as unknown as PasswordHasher;

export function principal(overrides: Partial<Principal> & { roles: UserRole[] }): Principal {
  return { userId: fakeId(), username: 'someone', organizationId: fakeId(), ...overrides };
}
