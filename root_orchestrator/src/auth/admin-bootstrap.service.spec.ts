import { loadConfig } from '@canopy/common';
import { USER_ROLES } from '@canopy/contracts';
import type { PinoLogger } from 'nestjs-pino';
import { RootConfig } from '../config/root-config';
import { FakeOrganizations, FakeUsers, fakeHasher } from '../testing/fakes';
import { AdminBootstrapService, generateAdminPassword } from './admin-bootstrap.service';

function setup(env: Record<string, string> = {}) {
  const users = new FakeUsers();
  const orgs = new FakeOrganizations();
  const warnings: string[] = [];
  const logger = {
    setContext: () => undefined,
    info: () => undefined,
    warn: (m: string) => warnings.push(m),
    logger: { isLevelEnabled: () => true },
  } as unknown as PinoLogger;
  const config = loadConfig(RootConfig, {
    MONGO_URL: 'mongodb://db',
    REDIS_URL: 'redis://cache',
    ...env,
  });
  const boot = () =>
    new AdminBootstrapService(
      users.asRepository(),
      orgs.asRepository(),
      fakeHasher,
      config,
      logger,
    ).onApplicationBootstrap();
  return { users, orgs, warnings, boot };
}

describe(AdminBootstrapService.name, () => {
  it('first boot without ADMIN_PASSWORD: generates one, prints it once, creates root with every role', async () => {
    const { users, orgs, warnings, boot } = setup();
    await boot();
    const admin = await users.findByName('Admin');
    expect(warnings).toHaveLength(1);
    const password = /\n {4}(\S+)\n/.exec(warnings[0] ?? '')?.[1] ?? '';
    expect(password).toHaveLength(24);
    expect(admin?.passwordHash).toBe(`hashed:${password}`);
    expect(await orgs.findByName('root')).toMatchObject({
      member: [{ user_id: admin?.id, roles: [...USER_ROLES] }],
    });
    await boot(); // a later boot prints nothing and changes nothing
    expect(warnings).toHaveLength(1);
    expect((await users.findByName('Admin'))?.passwordHash).toBe(`hashed:${password}`);
  });

  it('uses ADMIN_PASSWORD on first boot only, and warns when it no longer matches', async () => {
    const { users, warnings, boot } = setup({ ADMIN_PASSWORD: 'first-password' });
    await boot();
    expect((await users.findByName('Admin'))?.passwordHash).toBe('hashed:first-password');
    expect(warnings).toEqual([]);
    const later = setup({ ADMIN_PASSWORD: 'changed-password' });
    const stored = await users.findByName('Admin');
    if (!stored) throw new Error('Admin was not created');
    later.users.byName.set('Admin', stored);
    await later.boot();
    expect((await later.users.findByName('Admin'))?.passwordHash).toBe('hashed:first-password');
    expect(later.warnings[0]).toContain('stored one stays in force');
  });

  it('gives a re-created Admin its roles back in an existing root organization', async () => {
    const { users, orgs, boot } = setup({ ADMIN_PASSWORD: 'first-password' });
    await orgs.create('root', [{ user_id: 'gone', roles: [...USER_ROLES] }]);
    await boot();
    const admin = await users.findByName('Admin');
    expect((await orgs.findByName('root'))?.member.map((m) => m.user_id)).toEqual([
      'gone',
      admin?.id,
    ]);
  });

  it('writes the banner to stderr when the log level hides warnings', async () => {
    const { users, warnings } = setup();
    const orgs = new FakeOrganizations();
    const quiet = {
      setContext: () => undefined,
      info: () => undefined,
      warn: (m: string) => warnings.push(m),
      logger: { isLevelEnabled: () => false },
    } as unknown as PinoLogger;
    const config = loadConfig(RootConfig, {
      MONGO_URL: 'mongodb://db',
      REDIS_URL: 'redis://cache',
    });
    const written: string[] = [];
    const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    try {
      await new AdminBootstrapService(
        users.asRepository(),
        orgs.asRepository(),
        fakeHasher,
        config,
        quiet,
      ).onApplicationBootstrap();
    } finally {
      spy.mockRestore();
    }
    expect(warnings).toEqual([]);
    expect(written.join('')).toContain('GENERATED password');
  });

  it('generates distinct, URL-safe passwords', () => {
    const passwords = new Set(Array.from({ length: 50 }, generateAdminPassword));
    expect(passwords.size).toBe(50);
    for (const p of passwords) expect(p).toMatch(/^[A-Za-z0-9_-]{24}$/);
  });
});
