import { promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../state/atomic-file';
import { loadNodeConfig } from './node-config.loader';
import type { NodeConfig } from './node-config';

/** A `config set/unset` the editor refuses (unknown key, unparsable value, invalid result). */
export class ConfigEditError extends Error {
  override readonly name = 'ConfigEditError';
}

type Kind = 'string' | 'port' | 'int' | 'boolean' | 'boolean-or-auto' | 'location';

/** Keys `canopy-node config set` accepts, besides `labels.<name>`. */
export const SETTABLE_KEYS: Readonly<Record<string, Kind>> = {
  cluster_address: 'string',
  cluster_port: 'port',
  join_token: 'string',
  state_dir: 'string',
  app_logs: 'string',
  log_level: 'string',
  node_name: 'string',
  location: 'location',
  'runtime.docker_socket': 'string',
  'runtime.allow_privileged': 'boolean',
  'runtime.restart_backoff_max_seconds': 'int',
  'runtime.reconcile_interval_seconds': 'int',
  'runtime.stop_timeout_seconds': 'int',
  'resources.vcpus': 'int',
  'resources.memory': 'int',
  'network.enabled': 'boolean-or-auto',
  'network.backend': 'string',
  'network.tunnel_port': 'port',
  'network.interface': 'string',
  'network.bridge': 'string',
  'network.underlay_address': 'string',
  'network.interest_ttl_seconds': 'int',
  'network.gate_binary': 'string',
};

const LABEL_KEY = /^labels\.(.+)$/;

/**
 * Returns a copy of the raw config object (the file's JSON, not the effective config with
 * defaults, so defaults stay defaults) with `key` set to `value` parsed by the key's type:
 * `cluster_port 10100`, `labels.zone hall-2`, `location 48.13,11.57`, `runtime.allow_privileged
 * true`. Throws ConfigEditError for unknown keys or unparsable values; the caller validates the
 * whole result before writing it.
 */
export function setConfigValue(
  raw: Record<string, unknown>,
  key: string,
  value: string,
): Record<string, unknown> {
  const next = structuredClone(raw);
  const label = LABEL_KEY.exec(key);
  if (label) {
    const labels = isObject(next['labels']) ? next['labels'] : {};
    labels[label[1] as string] = value;
    next['labels'] = labels;
    return next;
  }
  const kind = SETTABLE_KEYS[key];
  if (kind === undefined) throw new ConfigEditError(unknownKey(key));
  setPath(next, key, parseValue(key, kind, value));
  return next;
}

/** Removes `key` (a field goes back to its default; `labels.<name>` drops the label). */
export function unsetConfigValue(
  raw: Record<string, unknown>,
  key: string,
): Record<string, unknown> {
  const next = structuredClone(raw);
  const label = LABEL_KEY.exec(key);
  if (label) {
    if (isObject(next['labels'])) delete next['labels'][label[1] as string];
    return next;
  }
  if (SETTABLE_KEYS[key] === undefined) throw new ConfigEditError(unknownKey(key));
  const parts = key.split('.');
  const leaf = parts.pop() as string;
  let at: Record<string, unknown> = next;
  for (const part of parts) {
    const child = at[part];
    if (!isObject(child)) return next;
    at = child;
  }
  delete at[leaf];
  return next;
}

function parseValue(key: string, kind: Kind, value: string): unknown {
  switch (kind) {
    case 'string':
      return value;
    case 'port':
    case 'int': {
      if (!/^\d+$/.test(value))
        throw new ConfigEditError(`${key} must be a whole number (got "${value}")`);
      return Number(value);
    }
    case 'boolean-or-auto': {
      if (value === 'auto') return value;
      if (value !== 'true' && value !== 'false') {
        throw new ConfigEditError(`${key} must be true, false or auto (got "${value}")`);
      }
      return value === 'true';
    }
    case 'boolean': {
      if (value !== 'true' && value !== 'false') {
        throw new ConfigEditError(`${key} must be true or false (got "${value}")`);
      }
      return value === 'true';
    }
    case 'location': {
      const match = /^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$/.exec(value);
      if (!match) throw new ConfigEditError(`location must look like "lat,long" (got "${value}")`);
      return { lat: Number(match[1]), long: Number(match[2]) };
    }
  }
}

function setPath(target: Record<string, unknown>, key: string, value: unknown): void {
  const parts = key.split('.');
  const leaf = parts.pop() as string;
  let at = target;
  for (const part of parts) {
    const child = at[part];
    if (!isObject(child)) at[part] = {};
    at = at[part] as Record<string, unknown>;
  }
  at[leaf] = value;
}

function unknownKey(key: string): string {
  return `unknown config key "${key}"; settable: ${[...Object.keys(SETTABLE_KEYS), 'labels.<name>'].join(', ')}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Reads the config file (absent = `{}`), applies `edit`, validates the result exactly as
 * `start` would (every problem listed), and replaces the file atomically, keeping its mode
 * (0600 for a new file: it may hold the join token). Returns the new effective config.
 */
export async function editConfigFile(
  path: string,
  edit: (raw: Record<string, unknown>) => Record<string, unknown>,
): Promise<NodeConfig> {
  let raw: Record<string, unknown> = {};
  let mode = 0o600;
  try {
    const text = await fs.readFile(path, 'utf8');
    const parsed: unknown = JSON.parse(text);
    if (!isObject(parsed)) throw new ConfigEditError(`${path} does not hold a JSON object`);
    raw = parsed;
    mode = (await fs.stat(path)).mode & 0o777;
  } catch (error) {
    if (error instanceof ConfigEditError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') {
      throw new ConfigEditError(`${path} cannot be edited: ${(error as Error).message}`);
    }
  }
  const next = edit(raw);
  const text = `${JSON.stringify(next, null, 2)}\n`;
  const config = loadNodeConfig(path, () => text); // throws ConfigError listing the problems
  await fs.mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text, { mode });
  return config;
}
