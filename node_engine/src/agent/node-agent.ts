import type { Logger } from 'pino';
import type { NodeConfig } from '../config/node-config';

/**
 * The worker agent's process shell: owns start-up and orderly shutdown. The cluster handshake,
 * MQTT session, reconcile loop and runtime drivers attach here (issue: node engine).
 */
export class NodeAgent {
  private stopping: Promise<void> | undefined;
  // Signal handlers do not keep Node's event loop alive; until the MQTT session does, this does.
  private keepAlive: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: NodeConfig,
    private readonly configPath: string,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.keepAlive = setInterval(() => undefined, 1 << 30);
    this.logger.info(
      {
        configPath: this.configPath,
        cluster: `${this.config.cluster_address}:${this.config.cluster_port}`,
        stateDir: this.config.state_dir,
        labels: this.config.labels,
      },
      'node engine started',
    );
  }

  /** Resolves after SIGINT or SIGTERM once shutdown has finished. */
  runUntilSignal(): Promise<void> {
    return new Promise((resolve) => {
      const onSignal = (signal: NodeJS.Signals): void => {
        this.logger.info({ signal }, 'shutting down');
        void this.stop().then(resolve);
      };
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
    });
  }

  stop(): Promise<void> {
    this.stopping ??= Promise.resolve().then(() => {
      clearInterval(this.keepAlive);
      this.logger.info('node engine stopped');
    });
    return this.stopping;
  }
}
