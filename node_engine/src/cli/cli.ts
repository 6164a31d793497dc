import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, createLogger, describeStartupFailure } from '@canopy/common';
import { NodeAgent } from '../agent/node-agent';
import { StartRefusedError } from '../agent/start-refused.error';
import {
  ConfigEditError,
  editConfigFile,
  setConfigValue,
  unsetConfigValue,
} from '../config/node-config.editor';
import { resolveConfigPath } from '../config/node-config.loader';
import type { NodeConfig } from '../config/node-config';
import { RegistrationRejectedError } from '../registration/cluster-registration.client';
import { CONFIG_OPTION, loadConfigOrExit, processIo, type CliIo } from './cli-context';
import { logsCommand } from './logs.command';
import { statusCommand } from './status.command';
import { stopCommand } from './stop.command';

declare const CANOPY_VERSION: string | undefined;
export const VERSION = typeof CANOPY_VERSION === 'string' ? CANOPY_VERSION : '0.0.0-dev';

/** The effective config as JSON, join token redacted. */
export function showConfig(config: NodeConfig): string {
  const { join_token, ...shown } = config;
  return `${JSON.stringify({ ...shown, join_token: join_token ? '<redacted>' : undefined }, null, 2)}\n`;
}

/** `canopy-node`: the worker agent's command line. */
export function buildCli(env: NodeJS.ProcessEnv = process.env, io: CliIo = processIo): Command {
  const program = new Command('canopy-node')
    .description('Canopy worker agent: runs the workloads a Canopy cluster assigns to this machine')
    .showHelpAfterError();

  program
    .command('start')
    .description(
      'run the agent in the foreground until SIGINT/SIGTERM (register, connect, reconcile)',
    )
    .option(...CONFIG_OPTION)
    .action(async (opts: { config?: string }) => {
      const { config } = loadConfigOrExit(opts.config, env);
      const logger = createLogger({ service: 'node_engine', level: config.log_level as 'info' });
      const agent = new NodeAgent(config, { logger });
      const stopped = agent.runUntilSignal();
      try {
        await agent.start();
        await stopped;
      } catch (error) {
        // SIGTERM while still registering: an orderly stop, not a failure.
        if (agent.stopRequested) return void (await agent.stop());
        await agent.stop();
        const message =
          error instanceof RegistrationRejectedError
            ? `Canopy node_engine cannot join the cluster: ${error.message}\n`
            : error instanceof StartRefusedError
              ? `Canopy node_engine cannot start: ${error.message}\n`
              : describeStartupFailure('node_engine', error);
        io.err(message);
        io.exit(1);
      }
    });

  program
    .command('check-config')
    .description('validate the config file and print the effective settings, then exit')
    .option(...CONFIG_OPTION)
    .action((opts: { config?: string }) => {
      const { config } = loadConfigOrExit(opts.config, env);
      io.out(showConfig(config));
    });

  program
    .command('status')
    .description(
      'show the worker identity, cluster, desired instances and last report (from the state dir)',
    )
    .option(...CONFIG_OPTION)
    .option('--json', 'machine-readable output')
    .action(async (opts: { config?: string; json?: boolean }) => {
      const { config } = loadConfigOrExit(opts.config, env);
      await statusCommand(config, opts.json ?? false, io);
    });

  program
    .command('logs')
    .description('print the container output of an instance (or of every instance of a job)')
    .argument('<job_name>', 'job name, e.g. app.ns.service.ns')
    .argument('[instance]', 'instance number', parseNonNegativeInt)
    .option(...CONFIG_OPTION)
    .option('-n, --tail <lines>', 'only the last lines', parseNonNegativeInt)
    .option('-f, --follow', 'keep printing new output (one instance)')
    .option('-t, --timestamps', 'prefix lines with their time')
    .action(
      async (
        jobName: string,
        instance: number | undefined,
        opts: { config?: string; tail?: number; follow?: boolean; timestamps?: boolean },
      ) => {
        const { config } = loadConfigOrExit(opts.config, env);
        await logsCommand(config, jobName, instance, opts, io);
      },
    );

  program
    .command('stop')
    .description(
      'stop the running agent (SIGTERM via the pid file); containers keep running unless --purge',
    )
    .option(...CONFIG_OPTION)
    .option('--purge', "also remove this worker's containers and clear its desired set")
    .option(
      '--timeout <seconds>',
      'how long to wait for the agent to exit',
      parseNonNegativeInt,
      30,
    )
    .action(async (opts: { config?: string; purge?: boolean; timeout: number }) => {
      const { config } = loadConfigOrExit(opts.config, env);
      await stopCommand(config, { purge: opts.purge, timeoutSeconds: opts.timeout }, io);
    });

  const configCommand = program.command('config').description('show or edit the config file');
  configCommand
    .command('show')
    .description('print the effective configuration (join token redacted)')
    .option(...CONFIG_OPTION)
    .action((opts: { config?: string }) => {
      const { config } = loadConfigOrExit(opts.config, env);
      io.out(showConfig(config));
    });
  configCommand
    .command('set')
    .description(
      'set a key (cluster_address, cluster_port, join_token, labels.<name>, location "lat,long", runtime.*, ...)',
    )
    .argument('<key>')
    .argument('<value>')
    .option(...CONFIG_OPTION)
    .action(async (key: string, value: string, opts: { config?: string }) => {
      const path = resolveConfigPath(opts.config, env);
      await edit(path, (raw) => setConfigValue(raw, key, value), `${key} set`, io);
    });
  configCommand
    .command('unset')
    .description('remove a key (back to its default) or a label (labels.<name>)')
    .argument('<key>')
    .option(...CONFIG_OPTION)
    .action(async (key: string, opts: { config?: string }) => {
      const path = resolveConfigPath(opts.config, env);
      await edit(path, (raw) => unsetConfigValue(raw, key), `${key} removed`, io);
    });

  program
    .command('version')
    .description('print the agent version')
    .action(() => {
      io.out(`canopy-node ${VERSION}\n`);
    });

  return program;
}

async function edit(
  path: string,
  change: (raw: Record<string, unknown>) => Record<string, unknown>,
  done: string,
  io: CliIo,
): Promise<void> {
  try {
    await editConfigFile(path, change);
    io.out(`${path}: ${done}; restart the agent to apply it\n`);
  } catch (error) {
    if (error instanceof ConfigEditError) {
      io.err(`${error.message}\n`);
    } else if (error instanceof ConfigError) {
      io.err(`not saved, the result would be invalid:\n${error.message.replace(/^/gm, '  ')}\n`);
    } else {
      throw error;
    }
    io.exit(1);
  }
}

function parseNonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('must be a whole number');
  return Number(value);
}
