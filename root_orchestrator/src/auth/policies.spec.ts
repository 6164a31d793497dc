import { UserRole } from '@canopy/contracts';
import { ForbiddenError } from '../common/errors/domain-errors';
import { principal } from '../testing/fakes';
import {
  requireAdmin,
  requireApplicationProvider,
  requireGrantable,
  requireSelfOrAdmin,
  requireUserManager,
} from './policies';

const ORG = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER_ORG = 'bbbbbbbbbbbbbbbbbbbbbbbb';
const admin = principal({ username: 'root', roles: [UserRole.ADMIN] });
const provider = principal({
  username: 'ann',
  roles: [UserRole.APPLICATION_PROVIDER],
  organizationId: ORG,
});
const orgAdmin = principal({
  username: 'oa',
  roles: [UserRole.ORGANIZATION_ADMIN],
  organizationId: ORG,
});
const infra = principal({ username: 'ian', roles: [UserRole.INFRASTRUCTURE_PROVIDER] });

function allowed(check: () => void): boolean {
  try {
    check();
    return true;
  } catch (error) {
    if (error instanceof ForbiddenError) return false;
    throw error;
  }
}

describe('authorization policies', () => {
  it.each([
    ['requireAdmin', (p: typeof admin) => requireAdmin(p), [true, false, false, false]],
    [
      'requireSelfOrAdmin(ann)',
      (p: typeof admin) => requireSelfOrAdmin(p, 'ann'),
      [true, true, false, false],
    ],
    [
      'requireApplicationProvider',
      (p: typeof admin) => requireApplicationProvider(p),
      [true, true, false, false],
    ],
    [
      'requireUserManager(own org)',
      (p: typeof admin) => requireUserManager(p, ORG),
      [true, false, true, false],
    ],
    [
      'requireUserManager(other org)',
      (p: typeof admin) => requireUserManager(p, OTHER_ORG),
      [true, false, false, false],
    ],
    [
      'requireGrantable([Admin])',
      (p: typeof admin) => requireGrantable(p, [UserRole.ADMIN]),
      [true, false, false, false],
    ],
    [
      'requireGrantable([App provider])',
      (p: typeof admin) => requireGrantable(p, [UserRole.APPLICATION_PROVIDER]),
      [true, true, true, true],
    ],
  ] as const)(
    '%s: Admin, Application_Provider, Organization_Admin, Infrastructure_Provider',
    (_name, check, expected) => {
      expect([admin, provider, orgAdmin, infra].map((p) => allowed(() => check(p)))).toEqual(
        expected,
      );
    },
  );
});
