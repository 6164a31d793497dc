import { UserRole } from '@canopy/contracts';
import { ConflictError, UnprocessableError } from '../common/errors/domain-errors';
import {
  assertRootKeepsAnAdmin,
  normalizeMembers,
  withMemberRoles,
  withoutMember,
} from './organization.rules';

const A = { user_id: 'a', roles: [UserRole.ADMIN] };
const B = { user_id: 'b', roles: [UserRole.APPLICATION_PROVIDER] };

describe('organization rules', () => {
  it('keeps an Admin in root, and only in root', () => {
    expect(() => assertRootKeepsAnAdmin({ name: 'root' }, [B])).toThrow(ConflictError);
    expect(() => assertRootKeepsAnAdmin({ name: 'root' }, [A, B])).not.toThrow();
    expect(() => assertRootKeepsAnAdmin({ name: 'shop' }, [])).not.toThrow();
  });

  it('refuses a user listed twice, with the path of the repeat', () => {
    expect(() => normalizeMembers([A, B, { ...A }])).toThrow(UnprocessableError);
    try {
      normalizeMembers([A, B, { ...A }]);
    } catch (error) {
      expect((error as UnprocessableError).details).toEqual([
        { path: 'member[2].user_id', message: 'user_id is listed twice' },
      ]);
    }
    expect(normalizeMembers([{ user_id: 'a', roles: [UserRole.ADMIN, UserRole.ADMIN] }])).toEqual([
      A,
    ]);
  });

  it('sets, adds and removes memberships', () => {
    expect(withMemberRoles([A], 'b', [UserRole.APPLICATION_PROVIDER])).toEqual([A, B]);
    expect(withMemberRoles([A, B], 'b', [])).toEqual([A, { user_id: 'b', roles: [] }]);
    expect(withoutMember([A, B], 'a')).toEqual([B]);
  });
});
