import { failFast } from '@canopy/common';
import type { NodeConfig } from '../config/node-config';
import { loadNodeConfig, resolveConfigPath } from '../config/node-config.loader';

/** Where CLI commands write (tests capture it). */
export interface CliIo {
  out(text: string): void;
  err(text: string): void;
  exit(code: number): void;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  exit: (code) => {
    process.exitCode = code;
  },
};

/** Loads the config for a command; an invalid file prints the problems and exits 1. */
export function loadConfigOrExit(
  flag: string | undefined,
  env: NodeJS.ProcessEnv,
): { path: string; config: NodeConfig } {
  const path = resolveConfigPath(flag, env);
  return { path, config: failFast('node_engine', () => loadNodeConfig(path)) };
}

export const CONFIG_OPTION = [
  '-c, --config <path>',
  'config file (default: $CANOPY_NODE_CONFIG or /etc/canopy/node.json)',
] as const;
