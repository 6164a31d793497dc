import { ValidateBy, type ValidationOptions } from 'class-validator';
import type { PropertyDecoratorFn } from '../validation/validators';
import { isEnvironmentEntry } from './environment';
import { parsePortMappings } from './port-mapping';

/** The SLA `port` string: `host[:container][/tcp|/udp]` entries joined by `;`. */
export function IsPortMappingList(options?: ValidationOptions): PropertyDecoratorFn {
  return ValidateBy(
    {
      name: 'isPortMappingList',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parsePortMappings(value).ok,
        defaultMessage: (args) => {
          const property = args?.property ?? 'port';
          const value: unknown = args?.value;
          if (typeof value !== 'string') return `${property} must be a string`;
          const result = parsePortMappings(value);
          return result.ok ? `${property} is invalid` : `${property}: ${result.error}`;
        },
      },
    },
    options,
  );
}

/** Every element is a `VAR=value` string. */
export function IsEnvironmentList(options?: ValidationOptions): PropertyDecoratorFn {
  return ValidateBy(
    {
      name: 'isEnvironmentList',
      validator: {
        validate: (value: unknown) => Array.isArray(value) && value.every(isEnvironmentEntry),
        defaultMessage: (args) => {
          const property = args?.property ?? 'environment';
          const value: unknown = args?.value;
          if (!Array.isArray(value)) return `${property} must be an array of VAR=value strings`;
          const bad = value.findIndex((entry) => !isEnvironmentEntry(entry));
          return `${property}[${bad}] must be a VAR=value string`;
        },
      },
    },
    options,
  );
}
