import { readFileSync } from 'node:fs';
import { ValidateBy, type ValidationOptions } from 'class-validator';
import { parseSimulatedCapacity } from '../report/simulated-capacity';

// Messages follow the variable name ("CLUSTER_REPORT_INTERVAL: must be ..."), never the value:
// ConfigError prints the value itself, redacted for secret-looking names.

const DURATION = /^(\d{1,9})(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `500ms`, `15s`, `10m`, `1h`, `7d` → milliseconds; NaN when malformed. (Same format as the root's.) */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (!match) return Number.NaN;
  return Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
}

export function IsDuration(
  bounds: { minMs?: number; maxMs?: number } = {},
  options?: ValidationOptions,
): PropertyDecorator {
  const min = bounds.minMs ?? 1;
  const max = bounds.maxMs ?? Number.MAX_SAFE_INTEGER;
  return ValidateBy(
    {
      name: 'isDuration',
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const ms = parseDuration(value);
          return ms >= min && ms <= max;
        },
        defaultMessage: () =>
          `must be a duration like "500ms", "15s" or "10m"` +
          (bounds.minMs !== undefined || bounds.maxMs !== undefined
            ? ` between ${formatMs(min)} and ${formatMs(max)}`
            : ''),
      },
    },
    options,
  );
}

function formatMs(ms: number): string {
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms >= 1_000 && ms % 1_000 === 0) return `${ms / 1_000}s`;
  return `${ms}ms`;
}

export function IsSimulatedCapacity(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSimulatedCapacity',
      validator: {
        validate: (value: unknown) => typeof value === 'string' && parseSimulatedCapacity(value).ok,
        defaultMessage: (args) => {
          const parsed =
            typeof args?.value === 'string' ? parseSimulatedCapacity(args.value) : undefined;
          return parsed !== undefined && !parsed.ok
            ? parsed.error
            : 'must be a JSON object like {"vcpus":8,"memory":16384,"architecture":"amd64","virtualization":["docker"]}';
        },
      },
    },
    options,
  );
}

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
