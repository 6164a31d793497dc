import { Command } from 'commander';
import { failFast, createLogger } from '@canopy/common';
import { loadNodeConfig, resolveConfigPath } from '../config/node-config.loader';
import { NodeAgent } from '../agent/node-agent';

declare const CANOPY_VERSION: string | undefined;
export const VERSION = typeof CANOPY_VERSION === 'string' ? CANOPY_VERSION : '0.0.0-dev';

/** `canopy-node`: the worker agent's command line (more subcommands arrive with the agent). */
export function buildCli(env: NodeJS.ProcessEnv = process.env): Command {
  const program = new Command('canopy-node')
    .description('Canopy worker agent: runs the workloads a Canopy cluster assigns to this machine')
    .showHelpAfterError();

  program
    .command('start')
    .description('run the agent in the foreground until SIGINT/SIGTERM')
    .option(
      '-c, --config <path>',
      'config file (default: $CANOPY_NODE_CONFIG or /etc/canopy/node.json)',
    )
    .action(async (opts: { config?: string }) => {
      const path = resolveConfigPath(opts.config, env);
      const config = failFast('node_engine', () => loadNodeConfig(path));
      const logger = createLogger({ service: 'node_engine', level: config.log_level as 'info' });
      const agent = new NodeAgent(config, path, logger);
      await agent.start();
      await agent.runUntilSignal();
    });

  program
    .command('check-config')
    .description('validate the config file and print the effective settings, then exit')
    .option('-c, --config <path>', 'config file')
    .action((opts: { config?: string }) => {
      const path = resolveConfigPath(opts.config, env);
      const config = failFast('node_engine', () => loadNodeConfig(path));
      const { join_token, ...shown } = config;
      process.stdout.write(
        `${JSON.stringify({ ...shown, join_token: join_token ? '<redacted>' : undefined }, null, 2)}\n`,
      );
    });

  program
    .command('version')
    .description('print the agent version')
    .action(() => {
      process.stdout.write(`canopy-node ${VERSION}\n`);
    });

  return program;
}
