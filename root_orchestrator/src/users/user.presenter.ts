import type { UserDto, UserRole } from '@canopy/contracts';
import type { User } from './user.model';

/** Oakestra renders users with `_id` as plain hex (it str()s them); never the hash. */
export function toUserDto(user: User, roles?: readonly UserRole[]): UserDto {
  return {
    _id: user.id,
    name: user.name,
    email: user.email,
    created_at: user.createdAt,
    ...(roles ? { roles: [...roles] } : {}),
  };
}
