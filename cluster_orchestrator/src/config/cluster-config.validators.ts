import { ValidateBy, type ValidationOptions } from 'class-validator';
import { parseSubnetPool } from '../network/worker-subnet.rules';
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

/** WORKER_SUBNET_POOL, checked together with WORKER_SUBNET_PREFIX. */
export function IsSubnetPool(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSubnetPool',
      validator: {
        validate: (value: unknown, args) => {
          const prefix = Number(
            (args?.object as { WORKER_SUBNET_PREFIX?: unknown }).WORKER_SUBNET_PREFIX,
          );
          // Empty: the root assigns the pool at the first session.
          if (value === '') return true;
          return typeof value === 'string' && typeof parseSubnetPool(value, prefix) !== 'string';
        },
        defaultMessage: (args) => {
          const prefix = Number(
            (args?.object as { WORKER_SUBNET_PREFIX?: unknown }).WORKER_SUBNET_PREFIX,
          );
          const why = parseSubnetPool(String(args?.value), prefix);
          return typeof why === 'string' ? why : 'must be an IPv4 CIDR';
        },
      },
    },
    options,
  );
}
