import { randomUUID } from 'node:crypto';
import {
  ALL_INSTANCES,
  instanceKey,
  InstanceStatus,
  NegativeSchedulingStatus,
} from '@canopy/contracts';
import {
  CLUSTER_SESSION_PROTOCOL_VERSION,
  type ClusterMessage,
  type Hello,
  type Report,
  type ResourceAggregate,
  type RootMessage,
} from '@canopy/contracts/grpc';
import { Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { Observable, type Subscriber } from 'rxjs';
import { secretMatches } from '../clusters/cluster-credentials';
import type { Cluster, ClusterReportState } from '../clusters/cluster.model';
import { ClusterRepository } from '../clusters/cluster.repository';
import { generationOf, isPlacedOn } from '../clusters/instance-assignment';
import { ClusterPoolService } from '../network-interest/cluster-pool.service';
import { NetworkInterestService } from '../network-interest/network-interest.service';
import { sanitizeTunnelPeers } from '../network-interest/tunnel-peers.rules';
import type { InstanceRecord, InstancesChange, StoredService } from '../services/service.model';
import { ServiceRepository } from '../services/service.repository';
import { ClusterCommandsService } from './cluster-commands.service';
import {
  type DesiredInstance,
  isPlanEmpty,
  type ReconcilePlan,
  reconcileReport,
  type StatusUpdate,
} from './reconcile';
import { type OpenSession, SessionRegistry } from './session-registry';

/** Longest Hello.worker_subnet_pool stored as given (a CIDR is at most 18 characters). */
const MAX_POOL_TEXT = 64;

/** The first message must be a Hello, this soon. */
export const HELLO_TIMEOUT_MS = 10_000;

/** The session was refused (bad Hello); the gRPC layer ends the stream with UNAUTHENTICATED. */
export class SessionRefusedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SessionRefusedError';
  }
}

const EMPTY_AGGREGATE: ResourceAggregate = {
  cpu_percent: 0,
  memory_percent: 0,
  vcpus: 0,
  memory: 0,
  vram: 0,
  vgpus: 0,
  virtualization: [],
  supported_addons: [],
  csi_drivers: [],
  gpu_drivers: [],
  active_nodes: 0,
  vram_percent: 0,
  gpu_temp: 0,
  gpu_percent: 0,
};

/**
 * The root's end of `ClusterSession.Connect`: authenticates the Hello (cluster id + secret),
 * answers Welcome, records each Report (aggregates, liveness) and reconciles it against the
 * database, sending deploys and undeploys down the same stream. Messages of one session are
 * handled one at a time, in order.
 */
@Injectable()
export class ClusterSessionService implements OnApplicationShutdown {
  constructor(
    private readonly clusters: ClusterRepository,
    private readonly services: ServiceRepository,
    private readonly registry: SessionRegistry,
    private readonly commands: ClusterCommandsService,
    private readonly network: NetworkInterestService,
    private readonly pools: ClusterPoolService,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('ClusterSession');
  }

  onApplicationShutdown(): void {
    this.registry.closeAll('root shutting down');
  }

  open(inbound: Observable<ClusterMessage>, peer: string | undefined): Observable<RootMessage> {
    return new Observable<RootMessage>((out) => {
      const sessionId = randomUUID();
      let cluster: Cluster | undefined;
      let session: OpenSession | undefined;
      let ended = false;
      let chain: Promise<void> = Promise.resolve();

      const end = (why: string): void => {
        if (ended) return;
        ended = true;
        clearTimeout(helloTimer);
        this.network.sessionClosed(sessionId);
        if (session && cluster) {
          const current = this.registry.unregister(session);
          const id = cluster.id;
          const name = cluster.cluster_name;
          void this.clusters
            .markDisconnected(id, sessionId, new Date())
            .catch((error: unknown) =>
              this.logger.warn(
                { clusterId: id, error: (error as Error).message },
                'could not record the disconnect',
              ),
            )
            // Once stored, so the pass sees the cluster gone from others' peers and tables.
            .finally(() => this.network.changed());
          this.logger.info(
            { clusterId: id, name, sessionId, why, current },
            'cluster session closed',
          );
        }
      };
      const refuse = (message: string): void => {
        if (ended) return;
        this.logger.warn({ peer, message }, 'cluster session refused');
        end('refused');
        out.error(new SessionRefusedError(message));
      };
      const helloTimer = setTimeout(
        () => refuse(`no Hello within ${HELLO_TIMEOUT_MS / 1000} s`),
        HELLO_TIMEOUT_MS,
      );

      const handle = async (message: ClusterMessage): Promise<void> => {
        if (ended) return;
        if (!session || !cluster) {
          if (!message.hello) return refuse('the first message of a session must be a Hello');
          const accepted = await this.accept(message.hello, sessionId, out, () =>
            end('closed by the root'),
          );
          if (typeof accepted === 'string') return refuse(accepted);
          if (ended) return; // the stream went away while we were checking
          clearTimeout(helloTimer);
          ({ cluster, session } = accepted);
          await this.network.sessionOpened(session);
          return;
        }
        if (message.report) await this.onReport(cluster, sessionId, message.report);
        else if (message.service_query) await this.network.query(sessionId, message.service_query);
        else if (message.interest_remove) {
          this.network.removeInterest(sessionId, message.interest_remove.job_name);
        } else if (message.ack && !message.ack.ok) {
          this.logger.warn(
            { clusterId: cluster.id, commandId: message.ack.command_id, error: message.ack.error },
            'cluster refused a command',
          );
        }
      };

      const subscription = inbound.subscribe({
        next: (message) => {
          chain = chain
            .then(() => handle(message))
            .catch((error: unknown) => {
              this.logger.error(
                { clusterId: cluster?.id, error: (error as Error).message },
                'cluster session message failed',
              );
            });
        },
        error: () => end('stream error'),
        complete: () => {
          end('the cluster closed the stream');
          out.complete();
        },
      });
      return () => {
        subscription.unsubscribe();
        end('stream gone');
      };
    });
  }

  /** Checks the Hello; on success registers the session and sends Welcome, else why not. */
  private async accept(
    hello: Hello,
    sessionId: string,
    out: Subscriber<RootMessage>,
    onClose: () => void,
  ): Promise<{ cluster: Cluster; session: OpenSession } | string> {
    const cluster = hello.cluster_id !== '' ? await this.clusters.findById(hello.cluster_id) : null;
    if (!cluster || !secretMatches(hello.cluster_secret, cluster.secret_hash)) {
      return 'unknown cluster id or wrong cluster secret; register again (handle_init_final)';
    }
    const session: OpenSession = {
      clusterId: cluster.id,
      sessionId,
      send: (message) => {
        if (out.closed) return false;
        out.next(message);
        return true;
      },
      close: (reason) => {
        if (out.closed) return;
        this.logger.info({ clusterId: cluster.id, sessionId, reason }, 'closing cluster session');
        onClose();
        out.complete();
      },
    };
    const now = new Date();
    // An over-long pool is stored cut and marked, so it stays recognisably malformed.
    const announced =
      hello.worker_subnet_pool.length > MAX_POOL_TEXT
        ? `${hello.worker_subnet_pool.slice(0, MAX_POOL_TEXT)}…`
        : hello.worker_subnet_pool;
    const pool = await this.pools.effectivePool(cluster, announced);
    await this.clusters.markConnected(cluster.id, sessionId, hello.report_interval_ms, pool, now);
    this.registry.register(session);
    session.send({
      welcome: {
        cluster_id: cluster.id,
        protocol_version: CLUSTER_SESSION_PROTOCOL_VERSION,
        report_interval_seconds: 0, // the cluster's own CLUSTER_REPORT_INTERVAL applies
        worker_subnet_pool: pool,
      },
    });
    this.logger.info(
      {
        clusterId: cluster.id,
        name: cluster.cluster_name,
        sessionId,
        reportIntervalMs: hello.report_interval_ms,
        workerSubnetPool: pool,
        protocol: hello.protocol_version,
      },
      'cluster session established',
    );
    return { cluster, session };
  }

  private async onReport(cluster: Cluster, sessionId: string, report: Report): Promise<void> {
    const stored = await this.clusters.recordReport(
      cluster.id,
      sessionId,
      reportState(report),
      new Date(),
    );
    if (!stored) return; // replaced by a newer session: that one reconciles
    const services = await this.services.findPlacedOnClusters([cluster.id]);
    const plan = reconcileReport(desiredInstances(cluster.id, services), report.instances);
    if (!isPlanEmpty(plan)) {
      this.logger.info(
        {
          clusterId: cluster.id,
          deploy: plan.deploy.length,
          undeploy: plan.undeploy.length,
          undeployServices: plan.undeployServices.length,
          statusUpdates: plan.statusUpdates.length,
        },
        'reconciling cluster report',
      );
      await this.apply(cluster.id, plan, services);
    }
    // Now rather than at the periodic check: other clusters' workers wait for these tables.
    this.network.changed();
  }

  private async apply(
    clusterId: string,
    plan: ReconcilePlan,
    services: StoredService[],
  ): Promise<void> {
    const byId = new Map(services.map((s) => [s.id, s]));
    for (const d of plan.deploy) {
      const service = byId.get(d.service_id);
      if (!service) continue;
      const siblings = await this.commands.siblingsOf(service);
      this.commands.deploy(clusterId, service, d.instance_number, d.generation, siblings);
    }
    for (const u of plan.undeploy) {
      this.commands.undeploy(clusterId, u.service_id, u.instance_number, u.generation);
    }
    for (const serviceId of plan.undeployServices) {
      this.commands.undeploy(clusterId, serviceId, ALL_INSTANCES, 0);
    }
    const updatesByService = new Map<string, StatusUpdate[]>();
    for (const update of plan.statusUpdates) {
      const list = updatesByService.get(update.service_id) ?? [];
      list.push(update);
      updatesByService.set(update.service_id, list);
    }
    for (const [serviceId, updates] of updatesByService) {
      await this.services.modifyInstances(serviceId, (current) =>
        applyStatusUpdates(current, clusterId, updates),
      );
    }
  }
}

/** What the root keeps of a report. */
export function reportState(report: Report): ClusterReportState {
  return {
    aggregate: report.aggregate ?? EMPTY_AGGREGATE,
    aggregation_per_architecture: report.aggregation_per_architecture,
    reported_instances: report.instances.map((i) => instanceKey(i.service_id, i.instance_number)),
    tunnel_peers: sanitizeTunnelPeers(report.tunnel_peers).peers,
  };
}

/** The instances the root's database places on `clusterId`, with what it recorded of them. */
export function desiredInstances(
  clusterId: string,
  services: readonly StoredService[],
): DesiredInstance[] {
  const desired: DesiredInstance[] = [];
  for (const service of services) {
    for (const instance of service.instance_list) {
      if (!isPlacedOn(instance, clusterId)) continue;
      desired.push({
        service_id: service.id,
        instance_number: instance.instance_number,
        generation: generationOf(instance),
        status: instance.status,
        status_detail: stringOr(instance.status_detail, ''),
        worker_id: stringOr(instance['worker_id'], ''),
        host_ip: stringOr(instance['host_ip'], ''),
        namespace_ip: stringOr(instance['namespace_ip'], ''),
        cpu_percent: numberOrNull(instance['cpu_percent']),
        memory_percent: numberOrNull(instance['memory_percent']),
        logs: stringOr(instance['logs'], null),
      });
    }
  }
  return desired;
}

/**
 * The instance list with the cluster's observations applied (only where the instance is still
 * placed on that cluster with the same generation), or null when that changes nothing: the list
 * is re-read on every compare-and-set attempt, so an update that another writer (or an earlier
 * report) already recorded costs no write and does not touch `last_modified_timestamp`.
 */
export function applyStatusUpdates(
  current: StoredService,
  clusterId: string,
  updates: readonly StatusUpdate[],
): InstancesChange | null {
  let changed = false;
  const now = Date.now() / 1000;
  const instance_list = current.instance_list.map((instance) => {
    const update = updates.find((u) => u.instance_number === instance.instance_number);
    if (
      !update ||
      !isPlacedOn(instance, clusterId) ||
      generationOf(instance) !== update.generation
    ) {
      return instance;
    }
    const observed: Record<string, unknown> = {
      status: update.status,
      status_detail: update.status_detail,
      // An empty id/address means "not known to the cluster (yet)": keep what is stored.
      ...(update.worker_id !== '' ? { worker_id: update.worker_id } : {}),
      ...(update.host_ip !== '' ? { host_ip: update.host_ip } : {}),
      // Unlike the ids above, '' is a fact here (the namespace is gone) and is recorded; a
      // record that never had an address gets no empty field (no write for nothing).
      ...(update.namespace_ip !== '' || typeof instance['namespace_ip'] === 'string'
        ? { namespace_ip: update.namespace_ip }
        : {}),
      cpu_percent: update.cpu_percent,
      memory_percent: update.memory_percent,
      logs: update.logs,
    };
    if (Object.entries(observed).every(([field, value]) => instance[field] === value)) {
      return instance;
    }
    changed = true;
    return { ...instance, ...observed, last_modified_timestamp: now };
  });
  if (!changed) return null;
  const service = serviceStatusOf(instance_list);
  return service === undefined ? { instance_list } : { instance_list, ...service };
}

/**
 * Instance statuses from the one that most needs attention to the one furthest along: a
 * service is as far as its worst instance (one FAILED of three RUNNING shows FAILED).
 */
const SERVICE_STATUS_ORDER: readonly string[] = [
  InstanceStatus.FAILED,
  InstanceStatus.DEAD,
  NegativeSchedulingStatus.NO_WORKER_CAPACITY,
  NegativeSchedulingStatus.NO_QUALIFIED_WORKER_FOUND,
  NegativeSchedulingStatus.NO_NODE_FOUND,
  NegativeSchedulingStatus.TARGET_CLUSTER_NOT_FOUND,
  NegativeSchedulingStatus.TARGET_CLUSTER_NOT_ACTIVE,
  NegativeSchedulingStatus.TARGET_CLUSTER_NO_CAPACITY,
  NegativeSchedulingStatus.NO_ACTIVE_CLUSTER_WITH_CAPACITY,
  InstanceStatus.REQUESTED,
  InstanceStatus.CLUSTER_SCHEDULED,
  InstanceStatus.NODE_SCHEDULED,
  InstanceStatus.CREATING,
  InstanceStatus.CREATED,
  InstanceStatus.RUNNING,
  InstanceStatus.COMPLETED,
];

/**
 * The service-level `status`/`status_detail` (Oakestra's job status) derived from its instances,
 * deterministically (independent of report order); undefined for no instances.
 */
export function serviceStatusOf(
  instances: readonly InstanceRecord[],
): { status: string; status_detail: string } | undefined {
  let worst: InstanceRecord | undefined;
  let rank = Number.POSITIVE_INFINITY;
  for (const instance of instances) {
    const status = typeof instance.status === 'string' ? instance.status : '';
    const r = SERVICE_STATUS_ORDER.indexOf(status);
    const at = r === -1 ? SERVICE_STATUS_ORDER.length : r;
    if (at < rank) {
      rank = at;
      worst = instance;
    }
  }
  if (worst === undefined) return undefined;
  return {
    status: String(worst.status),
    status_detail: typeof worst.status_detail === 'string' ? worst.status_detail : '',
  };
}

function stringOr<T extends string | null>(value: unknown, fallback: T): string | T {
  return typeof value === 'string' ? value : fallback;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
