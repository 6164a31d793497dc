import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Addresses and credentials of the local infrastructure started by deploy/local/provision.sh.
 * Single source for tests: provision.sh writes `$CANOPY_STATE_DIR/local.env`, tests read it here,
 * and variables already set in the environment win (so CI or a developer can point elsewhere).
 */
export interface LocalServices {
  stateDir: string;
  mongoUrl: string;
  redisUrl: string;
  mqttUrl: string;
  mqttAdminUsername: string;
  mqttAdminPassword: string;
  dockerSocket: string;
  testImage: string;
  registry: string | undefined;
}

export const DEFAULT_STATE_DIR = '/var/lib/canopy-local';

export function localEnvPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env['CANOPY_STATE_DIR'] ?? DEFAULT_STATE_DIR, 'local.env');
}

/**
 * Parses `KEY=value` lines; blank lines and `#` comments are ignored. provision.sh single-quotes
 * values that contain shell metacharacters (e.g. a MONGO_URL with `?a=b&c=d`): quotes are stripped.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const value = line.slice(eq + 1).trim();
    const quoted = value.length >= 2 && value.startsWith("'") && value.endsWith("'");
    out[line.slice(0, eq).trim()] = quoted ? value.slice(1, -1) : value;
  }
  return out;
}

export class LocalServicesMissingError extends Error {}

export function loadLocalServices(env: NodeJS.ProcessEnv = process.env): LocalServices {
  const path = localEnvPath(env);
  const file = existsSync(path) ? parseEnvFile(readFileSync(path, 'utf8')) : {};
  const get = (key: string): string | undefined => env[key] ?? file[key];
  const need = (key: string): string => {
    const value = get(key);
    if (!value) {
      throw new LocalServicesMissingError(
        `${key} is not set and ${path} does not define it. ` +
          'Start the local infrastructure first: sudo bash deploy/local/provision.sh',
      );
    }
    return value;
  };
  return {
    stateDir: get('CANOPY_STATE_DIR') ?? DEFAULT_STATE_DIR,
    mongoUrl: need('MONGO_URL'),
    redisUrl: need('REDIS_URL'),
    mqttUrl: need('MQTT_URL'),
    mqttAdminUsername: need('MQTT_ADMIN_USERNAME'),
    mqttAdminPassword: need('MQTT_ADMIN_PASSWORD'),
    dockerSocket: get('DOCKER_SOCKET') ?? '/var/run/docker.sock',
    testImage: get('CANOPY_TEST_IMAGE') ?? 'canopy/busybox:test',
    registry: get('CANOPY_REGISTRY'),
  };
}

/** A name unique to this test run, for databases, queue prefixes and topics (tests share services). */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
