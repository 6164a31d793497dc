import {
  registerDecorator,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { isLogLevel, LOG_LEVELS } from '../logging/log-levels';

/**
 * Reusable class-validator decorators for configuration classes. Messages are written to follow
 * the variable name ("MQTT_URL: must be an mqtt:// or mqtts:// URL") and never repeat the value:
 * ConfigError prints the value itself, redacted where needed.
 */

type Check = (value: unknown) => string | undefined; // undefined = valid, else the message

function decorator(name: string, check: Check, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name,
      target: target.constructor,
      propertyName: propertyName.toString(),
      options,
      validator: {
        validate: (value: unknown) => check(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => check(args?.value) ?? 'is invalid',
      },
    });
  };
}

// ---------------------------------------------------------------------------------- location

export interface Location {
  latitude: number;
  longitude: number;
  radiusKm: number;
}

export const LOCATION_FORMAT = 'must look like "lat,long,radius"';

/** Parses Oakestra's `lat,long,radius` cluster location (degrees, degrees, kilometres). */
export function parseLocation(text: string): Location | { error: string } {
  const parts = text.split(',').map((part) => part.trim());
  const numbers = parts.map(Number);
  if (
    parts.length !== 3 ||
    parts.some((part) => part === '') ||
    numbers.some((n) => !Number.isFinite(n))
  ) {
    return { error: LOCATION_FORMAT };
  }
  const [latitude, longitude, radiusKm] = numbers as [number, number, number];
  if (latitude < -90 || latitude > 90)
    return { error: `${LOCATION_FORMAT}: latitude must be within -90..90` };
  if (longitude < -180 || longitude > 180) {
    return { error: `${LOCATION_FORMAT}: longitude must be within -180..180` };
  }
  if (radiusKm <= 0) return { error: `${LOCATION_FORMAT}: radius (km) must be greater than 0` };
  return { latitude, longitude, radiusKm };
}

export function IsLocation(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isLocation',
    (value) => {
      if (typeof value !== 'string') return LOCATION_FORMAT;
      const parsed = parseLocation(value);
      return 'error' in parsed ? parsed.error : undefined;
    },
    options,
  );
}

// ----------------------------------------------------------------------------- service URLs

function urlCheck(schemes: readonly string[], article: 'a' | 'an'): Check {
  const expected = `must be ${article} ${schemes.map((s) => `${s}://`).join(' or ')} URL`;
  // scheme://[userinfo@]authority[/path][?query]; the authority may list several hosts
  // (mongodb replica sets), which is why this is not `new URL()`.
  const shape = new RegExp(
    `^(${schemes.map(escapeRegExp).join('|')})://([^@/?#\\s]+@)?([^@/?#\\s]+)(/[^?#\\s]*)?(\\?[^#\\s]*)?$`,
  );
  return (value) => (typeof value === 'string' && shape.test(value) ? undefined : expected);
}

export const MONGO_URL_SCHEMES = ['mongodb', 'mongodb+srv'] as const;
export const REDIS_URL_SCHEMES = ['redis', 'rediss'] as const;
export const MQTT_URL_SCHEMES = ['mqtt', 'mqtts'] as const;

export function IsMongoUrl(options?: ValidationOptions): PropertyDecorator {
  return decorator('isMongoUrl', urlCheck(MONGO_URL_SCHEMES, 'a'), options);
}

export function IsRedisUrl(options?: ValidationOptions): PropertyDecorator {
  return decorator('isRedisUrl', urlCheck(REDIS_URL_SCHEMES, 'a'), options);
}

export function IsMqttUrl(options?: ValidationOptions): PropertyDecorator {
  return decorator('isMqttUrl', urlCheck(MQTT_URL_SCHEMES, 'an'), options);
}

/** The database named in the path of a mongodb:// URL, or undefined when the path is empty. */
export function mongoDatabaseFromUrl(url: string): string | undefined {
  const match = /^mongodb(?:\+srv)?:\/\/[^/?#]*\/([^?#]*)/.exec(url);
  const name = match?.[1] ? decodeURIComponent(match[1]) : '';
  return name === '' ? undefined : name;
}

// ------------------------------------------------------------------------ host:port, ports

const HOSTNAME =
  /^(?=.{1,253}$)[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)*$/;
const IPV6_BRACKETED = /^\[[0-9a-fA-F:.]+\]$/;

export interface HostPort {
  host: string;
  port: number;
}

/** Parses `host:port` (IPv6 hosts in brackets, as in URLs); undefined when malformed. */
export function parseHostPort(text: string): HostPort | undefined {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) return undefined;
  const host = text.slice(0, colon);
  const portText = text.slice(colon + 1);
  if (!/^\d{1,5}$/.test(portText)) return undefined;
  const port = Number(portText);
  if (port < 1 || port > 65535) return undefined;
  if (!HOSTNAME.test(host) && !IPV6_BRACKETED.test(host)) return undefined;
  return { host, port };
}

export function IsHostPort(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isHostPort',
    (value) =>
      typeof value === 'string' && parseHostPort(value)
        ? undefined
        : 'must look like "host:port" (e.g. 127.0.0.1:50052)',
    options,
  );
}

/** A port to listen on. 0 is allowed: the OS picks a free port (handy in tests). */
export function IsListenPort(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isListenPort',
    (value) =>
      typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 65535
        ? undefined
        : 'must be a port number 0..65535',
    options,
  );
}

/** A host name or IP address to bind to. */
export function IsBindHost(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isBindHost',
    (value) =>
      typeof value === 'string' && (HOSTNAME.test(value) || /^[0-9a-fA-F:.]+$/.test(value))
        ? undefined
        : 'must be a host name or IP address (e.g. 0.0.0.0)',
    options,
  );
}

// -------------------------------------------------------------------------------- byte size

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1024, mb: 1024 ** 2, gb: 1024 ** 3 };

/** Parses sizes like `512`, `100kb`, `1mb`, `1.5MB` (binary multiples, as body-parser does). */
export function parseByteSize(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?$/i.exec(text.trim());
  if (!match) return undefined;
  const unit = BYTE_UNITS[(match[2] ?? 'b').toLowerCase()] ?? 1;
  return Math.floor(Number(match[1]) * unit);
}

export function IsByteSize(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isByteSize',
    (value) =>
      typeof value === 'string' && (parseByteSize(value) ?? 0) > 0
        ? undefined
        : 'must be a size like "512kb" or "1mb"',
    options,
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

// ------------------------------------------------------------------------------- log level

export function IsLogLevel(options?: ValidationOptions): PropertyDecorator {
  return decorator(
    'isLogLevel',
    (value) => (isLogLevel(value) ? undefined : `must be one of ${LOG_LEVELS.join(', ')}`),
    options,
  );
}
