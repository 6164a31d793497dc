import { validateDto } from '../validation/validate-dto';
import { LoginDto } from './auth.dto';
import { CreateOrganizationDto } from './organization.dto';
import { ChangePasswordDto, RegisterUserDto } from './user.dto';

describe('root API request DTOs', () => {
  it('accepts a registration and refuses unknown roles and bad names', () => {
    expect(
      validateDto(
        RegisterUserDto,
        { name: 'alice', password: 'correct horse', roles: ['Admin'] },
        {
          forbidUnknown: true,
        },
      ).ok,
    ).toBe(true);
    const bad = validateDto(
      RegisterUserDto,
      { name: 'bad name', password: 'correct horse', roles: ['Root'] },
      { forbidUnknown: true },
    );
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.errors.map((e) => e.path).sort()).toEqual(['name', 'roles']);
  });

  it('refuses new passwords that are short or longer than bcrypt reads (72 bytes)', () => {
    const check = (newPassword: string): boolean =>
      validateDto(ChangePasswordDto, { oldPassword: 'x', newPassword }).ok;
    expect(check('1234567')).toBe(false);
    expect(check('12345678')).toBe(true);
    expect(check('é'.repeat(36))).toBe(true); // 72 bytes
    expect(check('é'.repeat(37))).toBe(false); // 74 bytes
  });

  it('reads login bodies with either organization spelling, and refuses null', () => {
    expect(validateDto(LoginDto, { username: 'a', password: 'b', organization: 'root' }).ok).toBe(
      true,
    );
    expect(
      validateDto(LoginDto, { username: 'a', password: 'b', organization_name: null }).ok,
    ).toBe(false);
  });

  it('validates organization members with paths', () => {
    const result = validateDto(CreateOrganizationDto, {
      name: 'shop-1',
      member: [{ user_id: 'nope', roles: ['Admin'] }],
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors[0]?.path).toBe('member[0].user_id');
  });
});
