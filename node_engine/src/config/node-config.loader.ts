import { readFileSync } from 'node:fs';
import { ConfigError, type ConfigProblem } from '@canopy/common';
import { validateDto } from '@canopy/contracts';
import { DEFAULT_NODE_CONFIG_PATH, NodeConfig } from './node-config';

/** Where the config file is: --config, then CANOPY_NODE_CONFIG, then /etc/canopy/node.json. */
export function resolveConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return flag ?? env['CANOPY_NODE_CONFIG'] ?? DEFAULT_NODE_CONFIG_PATH;
}

/**
 * Reads and validates the worker's JSON config file. Every problem is reported at once, as a
 * ConfigError whose lines name the file and the field (`node.json: cluster_port: ...`), so the
 * operator fixes the file in one edit. Unknown fields are errors: a typo must not be ignored.
 */
export function loadNodeConfig(
  path: string,
  read = (p: string) => readFileSync(p, 'utf8'),
): NodeConfig {
  let text: string;
  try {
    text = read(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'file not found; create it (see node_engine/README.md for an example)'
        : `cannot be read (${code ?? (error as Error).message})`;
    throw new ConfigError([{ variable: path, message: why, value: undefined }]);
  }
  let plain: unknown;
  try {
    plain = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([
      {
        variable: path,
        message: `is not valid JSON: ${(error as Error).message}`,
        value: undefined,
      },
    ]);
  }
  const result = validateDto(NodeConfig, plain, { forbidUnknown: true });
  if (result.ok) return result.value;
  // One line per field: a missing field fails every check, and only "required" helps then.
  const byField = new Map<string, string[]>();
  for (const issue of result.errors) {
    const field = issue.path || '(whole file)';
    const leaf = field.split('.').pop() ?? field;
    const message = issue.message.startsWith(`${leaf} `)
      ? issue.message.slice(leaf.length + 1)
      : issue.message;
    byField.set(field, [...(byField.get(field) ?? []), message]);
  }
  const problems: ConfigProblem[] = [...byField].map(([field, messages]) => {
    const value = valueAt(plain, field);
    const required = messages.find((m) => m.includes('required'));
    return {
      variable: `${path}: ${field}`,
      message: value === undefined && required ? required : [...new Set(messages)].join('; '),
      value,
    };
  });
  throw new ConfigError(problems);
}

function valueAt(plain: unknown, path: string): string | undefined {
  let value: unknown = plain;
  for (const key of path.split(/[.[\]]/).filter(Boolean)) {
    if (
      typeof value !== 'object' ||
      value === null ||
      !Object.prototype.hasOwnProperty.call(value, key)
    ) {
      return undefined;
    }
    value = (value as Record<string, unknown>)[key];
  }
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}
