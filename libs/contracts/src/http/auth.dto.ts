import { IsDefined, IsNotEmpty, IsString, MaxLength } from 'class-validator';
import { OptionalField } from '../validation/validators';

/**
 * Body of POST /api/auth/login. Oakestra's code reads `organization_name` (its schema says
 * `organization`); both are accepted, `organization_name` wins. Without either, the user logs in
 * to the `root` organization.
 */
export class LoginDto {
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  username!: string;

  /** Only compared, never stored: any non-empty string up to 1024 characters. */
  @IsDefined()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password!: string;

  @OptionalField()
  @IsString()
  @MaxLength(64)
  organization_name?: string;

  /** Oakestra's schema spelling of `organization_name`. */
  @OptionalField()
  @IsString()
  @MaxLength(64)
  organization?: string;
}

/** Answer to a successful login. */
export class TokenPairDto {
  /** Access token (RS256 JWT, default lifetime 10 min). */
  @IsDefined()
  @IsString()
  token!: string;

  /** Refresh token (RS256 JWT, default lifetime 7 days), for POST /api/auth/refresh. */
  @IsDefined()
  @IsString()
  refresh_token!: string;
}

/** Answer to POST /api/auth/refresh (Oakestra returns only the new access token). */
export class AccessTokenDto {
  @IsDefined()
  @IsString()
  token!: string;
}
