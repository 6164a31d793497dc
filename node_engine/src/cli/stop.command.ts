import { createLogger } from '@canopy/common';
import { isAlive, purgeContainers } from '../agent/node-agent';
import type { NodeConfig } from '../config/node-config';
import { createInstanceNetwork } from '../instance-network/network-setup';
import { DockerRuntimeDriver } from '../runtime/docker-runtime.driver';
import { StateStore } from '../state/state-store';
import { sleep } from '../util/backoff';
import type { CliIo } from './cli-context';

/**
 * `canopy-node stop [--purge]`: SIGTERM to the agent named by `<state_dir>/agent.pid`, then wait
 * for it to exit. Its containers keep running (desired state) unless `--purge`: then every
 * container of this worker is removed and the desired set cleared, so a later start does not
 * bring them back (the cluster will reschedule them elsewhere once it sees the worker silent).
 */
export async function stopCommand(
  config: NodeConfig,
  options: { purge?: boolean; timeoutSeconds?: number },
  io: CliIo,
): Promise<void> {
  const store = new StateStore(config.state_dir, undefined, { quarantine: false });
  const pid = await store.readPid();
  if (pid !== undefined && isAlive(pid)) {
    process.kill(pid, 'SIGTERM');
    io.out(`sent SIGTERM to the node engine (pid ${pid})\n`);
    const deadline = Date.now() + (options.timeoutSeconds ?? 30) * 1000;
    while (isAlive(pid) && Date.now() < deadline) await sleep(100);
    if (isAlive(pid)) {
      io.err(
        `the node engine (pid ${pid}) is still running after ${options.timeoutSeconds ?? 30}s\n`,
      );
      io.exit(1);
      return;
    }
    io.out('node engine stopped\n');
  } else {
    io.out(`no node engine running for state dir ${config.state_dir}\n`);
  }
  if (!options.purge) {
    io.out('containers keep running (desired state); use --purge to remove them\n');
    return;
  }
  const identity = await store.readIdentity();
  if (identity.state !== 'ok') {
    io.out('no worker identity: nothing to purge\n');
    return;
  }
  const logger = createLogger({ service: 'node_engine', level: 'warn' });
  const driver = new DockerRuntimeDriver({
    socketPath: config.runtime.docker_socket,
    nodeId: identity.value.nodeId,
    logger,
  });
  const removed = await purgeContainers([driver], logger);
  await store.init();
  await store.clearDesired(identity.value.nodeId);
  io.out(`removed ${removed} container(s) and cleared the desired set\n`);
  // The data plane (bridge, veths, tunnel, nftables table): with networking on, or left from it.
  if (config.network.enabled === true || (await store.hasNetworkFile())) {
    try {
      await createInstanceNetwork(config.network, store, logger).net.cleanup();
      io.out('removed the worker network (bridge, tunnel, nftables table)\n');
    } catch (error) {
      io.err(`network cleanup failed: ${(error as Error).message}\n`);
      io.exit(1);
    }
  }
}
