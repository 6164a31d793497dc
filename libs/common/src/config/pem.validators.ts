// PEM material (TLS certificates and keys) in configuration: inline or as a file path.
import { readFileSync } from 'node:fs';
import { ValidateBy, type ValidationOptions } from 'class-validator';

/** A PEM given inline (`-----BEGIN ...`, `\n` escapes allowed) or as the path of a file. */
export function readPem(value: string): Buffer {
  const inline = value.includes('\\n') ? value.replace(/\\n/g, '\n') : value;
  if (inline.trimStart().startsWith('-----BEGIN')) return Buffer.from(inline);
  return readFileSync(value);
}

export function IsPemOrFile(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isPemOrFile',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          try {
            return readPem(value).toString('utf8').includes('-----BEGIN');
          } catch {
            return false;
          }
        },
        defaultMessage: () => 'must be a PEM, or the path of a readable PEM file',
      },
    },
    options,
  );
}

/** When this variable is set, every one of `others` must be set too. */
export function RequiresAlso(
  others: readonly string[],
  options?: ValidationOptions,
): PropertyDecorator {
  return ValidateBy(
    {
      name: 'requiresAlso',
      validator: {
        validate: (value: unknown, args) => {
          if (value === undefined) return true;
          const object = args?.object as Record<string, unknown> | undefined;
          return others.every((name) => object?.[name] !== undefined);
        },
        defaultMessage: () => `needs ${others.join(' and ')} as well`,
      },
    },
    options,
  );
}
