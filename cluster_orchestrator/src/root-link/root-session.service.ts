import { setTimeout as sleep } from 'node:timers/promises';
import { withTimeout } from '@canopy/common';
import {
  CLUSTER_SESSION_PROTOCOL_VERSION,
  type ClusterMessage,
  type RootMessage,
} from '@canopy/contracts/grpc';
import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { InstanceCommandsService } from '../instances/instance-commands.service';
import { HierarchyLink } from '../network/hierarchy-link';
import { WorkerSubnetPool } from '../network/worker-subnet-pool.service';
import { ReportBuilder } from '../report/report-builder.service';
import { ReportTrigger } from '../report/report-trigger';
import { Backoff } from './backoff';
import type { ClusterIdentity } from './cluster-identity.repository';
import { RegistrationService } from './registration.service';
import { isSessionRejection, RegistrationRefusedError } from './registration.rules';
import { grpcCode, grpcDetails, RootGrpcClient, type SessionCall } from './root-grpc.client';
import { RootLinkState } from './root-link.state';

/** A session must be welcomed this fast, or it is dropped and dialled again. */
const WELCOME_TIMEOUT_MS = 10_000;

class SessionRejectedError extends Error {}

/**
 * The cluster's link to the root: register (once per process, and again if the root stops
 * recognising the stored identity), then keep ONE session stream open, reconnecting with capped
 * exponential backoff and jitter whenever it drops. While connected: a Report right after the
 * Welcome and then every CLUSTER_REPORT_INTERVAL, and the root's commands applied in arrival
 * order, each acknowledged.
 *
 * The cluster keeps working while the root is away (its instances and, later, workers are its
 * own); nothing here blocks the rest of the app.
 *
 * INVARIANT: at most one session call exists at a time (the loop awaits each to its end).
 */
@Injectable()
export class RootSessionService implements OnApplicationBootstrap, OnApplicationShutdown {
  private stopped = false;
  private readonly abort = new AbortController();
  private loop: Promise<void> = Promise.resolve();
  private call: SessionCall | undefined;
  private identity: ClusterIdentity | null = null;
  private readonly backoff: Backoff;
  private resolveFatal!: (error: RegistrationRefusedError) => void;

  /** Settles when the root refuses this cluster for good; main.ts then exits non-zero. */
  readonly fatal: Promise<RegistrationRefusedError> = new Promise((resolve) => {
    this.resolveFatal = resolve;
  });

  constructor(
    private readonly config: ClusterConfig,
    private readonly client: RootGrpcClient,
    private readonly registration: RegistrationService,
    private readonly commands: InstanceCommandsService,
    private readonly reports: ReportBuilder,
    private readonly state: RootLinkState,
    private readonly trigger: ReportTrigger,
    private readonly hierarchy: HierarchyLink,
    private readonly subnetPool: WorkerSubnetPool,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('RootSession');
    this.backoff = new Backoff({
      baseMs: config.reconnectBaseDelayMs,
      maxMs: config.reconnectMaxDelayMs,
    });
    this.state.update({ root_url: config.ROOT_URL });
  }

  onApplicationBootstrap(): void {
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.abort.abort();
    this.call?.end();
    this.call?.cancel();
    await withTimeout(this.loop, 3_000, 'root session loop').catch(() => undefined);
    this.state.update({ phase: 'stopped' });
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        if (this.identity === null) {
          this.state.update({ phase: 'registering' });
          this.identity = await this.registration.register();
          this.state.update({ registered: true, cluster_id: this.identity.cluster_id });
        }
        await this.session(this.identity);
        if (!this.stopped) this.logger.warn('the root ended the session; reconnecting');
      } catch (error) {
        if (error instanceof RegistrationRefusedError) {
          this.state.update({ phase: 'refused', last_error: error.message });
          this.logger.fatal(
            { code: error.code, reason: error.reason },
            `${error.message}. Check CLUSTER_JOIN_TOKEN (issue a new one at the root: ` +
              'POST /api/clusters/join-tokens). The cluster stops.',
          );
          this.resolveFatal(error);
          return;
        }
        if (this.stopped) return;
        const message = error instanceof Error ? error.message : String(error);
        if (error instanceof SessionRejectedError) {
          this.identity = null; // register again; a refusal then ends the process
          this.logger.warn({ error: message }, 'the root rejected the session; registering again');
        } else {
          this.logger.warn({ error: message, root: this.config.ROOT_URL }, 'root unreachable');
        }
        this.state.update({ last_error: message });
      }
      if (this.stopped) return;
      const delay = this.backoff.next();
      this.state.update({
        phase: this.state.snapshot().phase === 'registering' ? 'registering' : 'disconnected',
        connected_since: null,
        next_attempt_in_ms: delay,
      });
      this.logger.info(
        { delayMs: delay, attempt: this.backoff.attempts },
        'reconnecting to the root',
      );
      try {
        await sleep(delay, undefined, { signal: this.abort.signal });
      } catch {
        return; // aborted: shutting down
      }
    }
  }

  /** One session, from dialling to its end; rejects with why it ended abnormally. */
  private session(identity: ClusterIdentity): Promise<void> {
    this.state.update({ phase: 'connecting', next_attempt_in_ms: null });
    return new Promise<void>((resolve, reject) => {
      const call = this.client.connect();
      this.call = call;
      let settled = false;
      let welcomed = false;
      let seq = 0;
      let reportTimer: NodeJS.Timeout | undefined;
      let reportQueued = false;
      // Commands and reports run one at a time, in order: a report reflects every command
      // received before it.
      let chain: Promise<void> = Promise.resolve();
      const enqueue = (step: () => Promise<void>): void => {
        chain = chain.then(step).catch((error: unknown) => {
          this.logger.error({ error: (error as Error).message }, 'session step failed');
        });
      };
      const write = (message: ClusterMessage): void => {
        if (!settled) call.write(message);
      };
      const sendReport = (): void => {
        if (reportQueued) return; // the previous one is still being built
        reportQueued = true;
        enqueue(async () => {
          reportQueued = false;
          if (settled) return;
          write({ report: await this.reports.build(identity.cluster_id, ++seq) });
          this.state.update({ last_report_at: new Date().toISOString() });
        });
      };
      const welcomeTimer = setTimeout(() => {
        this.logger.warn('no Welcome from the root in time; dropping the session');
        call.cancel();
      }, WELCOME_TIMEOUT_MS);
      const finish = (error?: Error): void => {
        if (settled) return;
        settled = true;
        clearTimeout(welcomeTimer);
        clearInterval(reportTimer);
        this.trigger.listen(undefined);
        this.hierarchy.detach();
        this.call = undefined;
        if (welcomed) this.logger.info('session to the root closed');
        if (error) reject(error);
        else resolve();
      };

      call.on('data', (message: RootMessage) => {
        if (message.welcome) {
          if (welcomed) return;
          welcomed = true;
          clearTimeout(welcomeTimer);
          this.backoff.reset();
          const sessions = this.state.snapshot().sessions + 1;
          this.state.update({
            phase: 'connected',
            connected_since: new Date().toISOString(),
            last_error: null,
            sessions,
          });
          this.logger.info(
            {
              clusterId: identity.cluster_id,
              sessions,
              reportIntervalMs: this.config.reportIntervalMs,
            },
            'session to the root established',
          );
          sendReport();
          reportTimer = setInterval(sendReport, this.config.reportIntervalMs);
          this.trigger.listen(sendReport);
          this.hierarchy.attach(identity.cluster_id, write);
          const assigned = message.welcome.worker_subnet_pool;
          void this.subnetPool
            .adopt(assigned)
            .catch((error: unknown) =>
              this.logger.error(
                { pool: assigned, error: (error as Error).message },
                'could not store the worker subnet pool',
              ),
            );
          return;
        }
        if (!welcomed) return; // nothing counts before the Welcome
        const deploy = message.deploy_instance;
        const undeploy = message.undeploy_instance;
        if (deploy) {
          enqueue(async () => write({ ack: await this.commands.deploy(deploy) }));
        } else if (undeploy) {
          enqueue(async () => write({ ack: await this.commands.undeploy(undeploy) }));
        } else if (message.service_table) {
          this.hierarchy.deliverTable(message.service_table);
        } else if (message.remote_peers) {
          this.hierarchy.deliverRemotePeers(message.remote_peers);
        } else if (message.network_update) {
          // Network updates arrive with the networking issue; acknowledged so the root does not wait.
          const commandId = message.network_update.command_id;
          enqueue(async () => write({ ack: { command_id: commandId, ok: true, error: '' } }));
        }
      });
      call.on('error', (error: Error) => {
        const code = grpcCode(error);
        finish(
          isSessionRejection(code)
            ? new SessionRejectedError(grpcDetails(error))
            : new Error(`session failed: ${grpcDetails(error)}`),
        );
      });
      // grpc-js always emits 'status' last (after 'error' for a failed call): an OK status is
      // the root ending the session normally.
      call.on('status', (status: { code: number; details: string }) => {
        if (status.code === 0) finish();
      });

      call.write({
        hello: {
          cluster_id: identity.cluster_id,
          cluster_secret: identity.cluster_secret,
          protocol_version: CLUSTER_SESSION_PROTOCOL_VERSION,
          report_interval_ms: this.config.reportIntervalMs,
          worker_subnet_pool: this.subnetPool.cidr(),
        },
      });
    });
  }
}
