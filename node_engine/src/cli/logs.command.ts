import { createLogger } from '@canopy/common';
import type { NodeConfig } from '../config/node-config';
import { DockerRuntimeDriver } from '../runtime/docker-runtime.driver';
import { StateStore } from '../state/state-store';
import type { CliIo } from './cli-context';

export interface LogsOptions {
  tail?: number;
  follow?: boolean;
  timestamps?: boolean;
}

/** `canopy-node logs <job_name> [instance]`: container output of this worker's instances. */
export async function logsCommand(
  config: NodeConfig,
  jobName: string,
  instance: number | undefined,
  options: LogsOptions,
  io: CliIo,
): Promise<void> {
  const store = new StateStore(config.state_dir, undefined, { quarantine: false });
  const identity = await store.readIdentity();
  if (identity.state !== 'ok') {
    io.err(`no worker identity in ${config.state_dir}: the agent has not registered yet\n`);
    io.exit(1);
    return;
  }
  const driver = new DockerRuntimeDriver({
    socketPath: config.runtime.docker_socket,
    nodeId: identity.value.nodeId,
    logger: createLogger({ service: 'node_engine', level: 'fatal' }),
  });
  try {
    const matches = (await driver.list())
      .filter(
        (c) => c.jobName === jobName && (instance === undefined || c.instanceNumber === instance),
      )
      .sort((a, b) => (a.instanceNumber ?? 0) - (b.instanceNumber ?? 0));
    if (matches.length === 0) {
      io.err(
        `no container of ${jobName}${instance === undefined ? '' : ` instance ${instance}`} on this worker\n`,
      );
      io.exit(1);
      return;
    }
    if (options.follow) {
      if (matches.length > 1) {
        io.err(`${jobName} has ${matches.length} instances here; name one to follow its log\n`);
        io.exit(1);
        return;
      }
      const controller = new AbortController();
      const stop = (): void => controller.abort();
      process.once('SIGINT', stop);
      await driver.followLogs(matches[0]?.id ?? '', io.out, {
        ...options,
        signal: controller.signal,
      });
      process.removeListener('SIGINT', stop);
      return;
    }
    for (const c of matches) {
      if (matches.length > 1)
        io.out(`==> ${c.jobName} instance ${c.instanceNumber} (${c.state}) <==\n`);
      io.out(await driver.logs(c.id, { tail: options.tail, timestamps: options.timestamps }));
    }
  } finally {
    driver.close();
  }
}
