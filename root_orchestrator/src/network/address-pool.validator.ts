import { ValidateBy, type ValidationArguments, type ValidationOptions } from 'class-validator';
import { parsePool } from './address-pool';
import type { IpFamily } from './ip-address';

/** Why `value` is not a usable IPv`family` address pool; null when it is. */
export function addressPoolProblem(value: unknown, family: IpFamily): string | null {
  if (typeof value !== 'string') return 'must be a string';
  const parsed = parsePool(value);
  if (!parsed.ok) return parsed.reason;
  if (parsed.pool.family !== family) return `must be an IPv${family} block`;
  return null;
}

/**
 * A configuration variable naming an address pool in CIDR notation (`10.30.0.0/16`): network
 * address with host bits zero, small enough prefix to leave usable addresses. IPv4 only for now:
 * the IPv6 pools come with IPv6 allocation.
 */
export function IsAddressPool(family: IpFamily, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isAddressPool',
      validator: {
        validate: (value: unknown) => addressPoolProblem(value, family) === null,
        defaultMessage: (args?: ValidationArguments) =>
          `must be an IPv${family} block in CIDR notation like 10.30.0.0/16: ${
            addressPoolProblem(args?.value, family) ?? 'invalid'
          }`,
      },
    },
    options,
  );
}

/**
 * A prefix length that cuts blocks out of the pool named by the sibling property `poolProperty`:
 * at least the pool's own prefix (a block cannot be larger than its space), at most /28.
 */
export function IsBlockPrefixOf(
  poolProperty: string,
  options?: ValidationOptions,
): PropertyDecorator {
  const poolPrefix = (args?: ValidationArguments): number => {
    const pool = (args?.object as Record<string, unknown> | undefined)?.[poolProperty];
    return typeof pool === 'string' ? Number(pool.split('/')[1]) : Number.NaN;
  };
  return ValidateBy(
    {
      name: 'isBlockPrefixOf',
      validator: {
        validate: (value: unknown, args?: ValidationArguments) =>
          typeof value === 'number' &&
          Number.isInteger(value) &&
          value <= 28 &&
          value >= poolPrefix(args),
        defaultMessage: (args?: ValidationArguments) =>
          `must be a prefix length between /${poolPrefix(args)} (${poolProperty}) and /28`,
      },
    },
    options,
  );
}
