import {
  IsArray,
  IsDefined,
  IsIn,
  IsNotEmpty,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { OptionalField } from '../validation/validators';
import { EMAIL_PATTERN, IsNewPassword, USERNAME_PATTERN } from './http-validators';
import { USER_ROLES, type UserRole } from './user-roles';

/**
 * Body of POST /api/auth/register: a new user in the caller's organization. `created_at` is
 * accepted because Oakestra's dashboard sends it, and ignored: the root stamps the time itself.
 */
export class RegisterUserDto {
  @IsDefined()
  @IsString()
  @Matches(USERNAME_PATTERN)
  name!: string;

  @IsDefined()
  @IsNewPassword()
  password!: string;

  @OptionalField()
  @IsString()
  @MaxLength(254)
  @Matches(EMAIL_PATTERN, { message: 'email must be empty or an e-mail address' })
  email?: string;

  /** Roles in the caller's organization; default `["Application_Provider"]`. */
  @OptionalField()
  @IsArray()
  @IsIn(USER_ROLES, { each: true })
  roles?: UserRole[];

  /** Ignored (see the class comment). */
  @OptionalField()
  @IsString()
  @MaxLength(64)
  created_at?: string;
}

/**
 * Body of PUT /api/user/<username> (Admin): any of the fields; `roles` replaces the user's roles
 * in the caller's organization. `name` may be sent but must equal the path (names are identities).
 */
export class UpdateUserDto {
  @OptionalField()
  @IsString()
  @Matches(USERNAME_PATTERN)
  name?: string;

  @OptionalField()
  @IsNewPassword()
  password?: string;

  @OptionalField()
  @IsString()
  @MaxLength(254)
  @Matches(EMAIL_PATTERN, { message: 'email must be empty or an e-mail address' })
  email?: string;

  @OptionalField()
  @IsArray()
  @IsIn(USER_ROLES, { each: true })
  roles?: UserRole[];

  /** Ignored, as in RegisterUserDto. */
  @OptionalField()
  @IsString()
  @MaxLength(64)
  created_at?: string;
}

/** Body of POST /api/user/<username>: the user changes their own password. */
export class ChangePasswordDto {
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  oldPassword!: string;

  @IsDefined()
  @IsNewPassword()
  newPassword!: string;
}

/** Body of POST /api/user/ (password-reset request; answered 501 for now). */
export class PasswordResetRequestDto {
  @IsDefined()
  @IsString()
  @Matches(USERNAME_PATTERN)
  username!: string;

  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(253)
  domain!: string;
}

/** Body of PUT /api/user/ (password reset with a mailed token; answered 501 for now). */
export class PasswordResetDto {
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(256)
  token!: string;

  @IsDefined()
  @IsNewPassword()
  password!: string;
}

/** A user as the API shows it: never the password hash. `_id` is plain hex, as Oakestra's. */
export class UserDto {
  @IsDefined()
  @IsString()
  _id!: string;

  @IsDefined()
  @IsString()
  name!: string;

  @IsDefined()
  @IsString()
  email!: string;

  /** ISO-8601 time of creation. */
  @IsDefined()
  @IsString()
  created_at!: string;

  /** Roles in the organization the request is about (the caller's, or the listed one). */
  @OptionalField()
  @IsArray()
  @IsIn(USER_ROLES, { each: true })
  roles?: UserRole[];
}

/** Answer to GET /api/permission/<username>. */
export class PermissionsDto {
  @IsDefined()
  @IsArray()
  @IsIn(USER_ROLES, { each: true })
  roles!: UserRole[];
}
