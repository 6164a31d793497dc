import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { MAX_PASSWORD_BYTES, MIN_PASSWORD_LENGTH } from '@canopy/contracts';
import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';

// Messages follow the variable name ("JWT_ACCESS_TTL: must be a duration ..."), never the value:
// ConfigError prints the value itself, redacted for secret-looking names (KEY, PASSWORD).

const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `30s`, `10m`, `1h`, `7d` → milliseconds; NaN when malformed. */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) return Number.NaN;
  return Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
}

export function IsDuration(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isDuration',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseDuration(value) > 0,
        defaultMessage: () => 'must be a positive duration like "30s", "10m", "1h" or "7d"',
      },
    },
    options,
  );
}

export function IsPassword(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPassword',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          [...value].length >= MIN_PASSWORD_LENGTH &&
          Buffer.byteLength(value, 'utf8') <= MAX_PASSWORD_BYTES,
      },
    },
    options,
  );
}

/** Redis key prefix: BullMQ joins it with `:`, so keep it to a safe alphabet. */
export function IsBullPrefix(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isBullPrefix',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/.test(value),
        defaultMessage: () => 'must be 1-100 characters of letters, digits, "_", "." and "-"',
      },
    },
    options,
  );
}

/**
 * Environment files often carry PEMs on one line with literal `\n`; accept that spelling too.
 */
export function normalizePem(text: string): string {
  return text.includes('\\n') ? text.replace(/\\n/g, '\n') : text;
}

function privateKeyOf(value: unknown): KeyObject | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const key = createPrivateKey(normalizePem(value));
    return key.asymmetricKeyType === 'rsa' ? key : undefined;
  } catch {
    return undefined;
  }
}

function publicKeyOf(value: unknown): KeyObject | undefined {
  if (typeof value !== 'string') return undefined;
  try {
    const key = createPublicKey(normalizePem(value));
    return key.asymmetricKeyType === 'rsa' ? key : undefined;
  } catch {
    return undefined;
  }
}

/** RS256 needs an RSA key of at least 2048 bits. */
export function IsPemPrivateKey(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPemPrivateKey',
      validator: {
        validate: (value: unknown) => {
          const key = privateKeyOf(value);
          return key !== undefined && (key.asymmetricKeyDetails?.modulusLength ?? 0) >= 2048;
        },
        defaultMessage: () => 'must be a PEM-encoded RSA private key of at least 2048 bits',
      },
    },
    options,
  );
}

/**
 * The public key: required when `privateKeyProperty` is set, forbidden alone, and must be the
 * public half of that private key (a mismatch would only show as every login failing later).
 */
export function IsPemPublicKeyMatching(
  privateKeyProperty: string,
  options?: ValidationOptions,
): PropertyDecorator {
  const check = (value: unknown, args?: ValidationArguments): string | undefined => {
    const privatePem = (args?.object as Record<string, unknown> | undefined)?.[privateKeyProperty];
    if (value === undefined && privatePem === undefined) return undefined;
    if (value === undefined) return `is required when ${privateKeyProperty} is set`;
    const publicKey = publicKeyOf(value);
    if (publicKey === undefined) return 'must be a PEM-encoded RSA public key';
    if (privatePem === undefined) return `requires ${privateKeyProperty} to be set too`;
    const privateKey = privateKeyOf(privatePem);
    if (privateKey === undefined) return undefined; // reported on the private key itself
    const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
    const given = publicKey.export({ type: 'spki', format: 'der' });
    return derived.equals(given) ? undefined : `is not the public half of ${privateKeyProperty}`;
  };
  return ValidateBy(
    {
      name: 'isPemPublicKeyMatching',
      validator: {
        validate: (value: unknown, args?: ValidationArguments) => check(value, args) === undefined,
        defaultMessage: (args?: ValidationArguments) => check(args?.value, args) ?? 'is invalid',
      },
    },
    options,
  );
}

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

/** `*`, or comma-separated `http(s)://host[:port]` origins. */
export function IsCorsOrigins(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCorsOrigins',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          (value.trim() === '*' || value.split(',').every((origin) => ORIGIN.test(origin.trim()))),
        defaultMessage: () =>
          'must be "*" or comma-separated origins like "https://dash.example.org,http://10.0.0.5:8080"',
      },
    },
    options,
  );
}
