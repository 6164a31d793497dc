import { ValidateBy, type ValidationOptions } from 'class-validator';
import type { PropertyDecoratorFn } from '../validation/validators';

/** Mongo ObjectId in hex, the id format of every root object (users, apps, services, ...). */
export const OBJECT_ID_PATTERN = /^[0-9a-f]{24}$/;

/** User names: also used in paths and as the application owner (`userId`). */
export const USERNAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

/** Organization names. */
export const ORGANIZATION_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

/** Empty (Oakestra's bootstrap Admin has `""`) or something@somewhere. */
export const EMAIL_PATTERN = /^$|^[^\s@]{1,64}@[^\s@]{1,189}$/;

/** bcrypt only reads the first 72 bytes: longer passwords would be silently truncated. */
export const MAX_PASSWORD_BYTES = 72;
export const MIN_PASSWORD_LENGTH = 8;

const UTF8 = new TextEncoder();

/**
 * A new password: a string of at least 8 characters and at most 72 UTF-8 bytes. (Passwords given
 * at login are only checked to be non-empty strings: they are compared, never stored.)
 */
export function IsNewPassword(options?: ValidationOptions): PropertyDecoratorFn {
  return ValidateBy(
    {
      name: 'isNewPassword',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          [...value].length >= MIN_PASSWORD_LENGTH &&
          UTF8.encode(value).length <= MAX_PASSWORD_BYTES,
        defaultMessage: (args) =>
          `${args?.property ?? 'password'} must be a string of at least ${MIN_PASSWORD_LENGTH} ` +
          `characters and at most ${MAX_PASSWORD_BYTES} bytes`,
      },
    },
    options,
  );
}
