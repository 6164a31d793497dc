import { withTimeout } from '@canopy/common';
import type { ServiceQuery, ServiceTable } from '@canopy/contracts/grpc';
import {
  Injectable,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { OpenSession } from '../cluster-session/session-registry';
import { ClusterRepository } from '../clusters/cluster.repository';
import { ClusterGrace } from '../clusters/cluster-grace';
import { livenessOf } from '../clusters/cluster-liveness';
import { ServiceRepository } from '../services/service.repository';
import {
  judgeMembership,
  type NetworkMember,
  type NetworkMembership,
  nextRevision,
  peersKey,
  remotePeersFor,
  visibleClusters,
} from './network-membership.rules';
import {
  buildServiceTable,
  notFoundTable,
  parseServiceQuery,
  tableKey,
} from './service-table.rules';

/**
 * Changes are pushed this soon after they are recorded (a burst of reports costs one pass); the
 * whole chain worker → cluster → root → other cluster → worker must stay well under a second.
 */
export const PUSH_DEBOUNCE_MS = 20;
/**
 * The level-triggered check: catches what no trigger announced (a cluster going silent, a write
 * by another code path) within this period.
 */
export const NETWORK_CHECK_INTERVAL_MS = 2_000;
/** A session interested in more services than this is misbehaving; further ones are refused. */
export const MAX_INTERESTS_PER_SESSION = 10_000;
/** At most one warning per session this often about malformed queries (the rest are counted). */
const HOSTILE_WARN_INTERVAL_MS = 10_000;

interface SessionState {
  session: OpenSession;
  /** Job name → key of the table last sent for it. */
  interests: Map<string, string>;
  /** Key of the peer list last sent; null before the first one. */
  peersKey: string | null;
  lastWarnAt: number;
  suppressedWarnings: number;
}

interface NetworkView {
  clusters: NetworkMember[];
  membership: NetworkMembership;
}

/**
 * The root's end of the hierarchy-wide network control plane (reference §7.4, over the session
 * instead of HTTP):
 * - answers a cluster's ServiceQuery with the service's table across all clusters, and from then
 *   on pushes the table to that session whenever it changes, until InterestRemove or the end of
 *   the session (interests live in memory, per session: a reconnecting cluster queries again);
 * - gives each session the tunnel peers of every other cluster (RemotePeers) at its start and
 *   whenever they change;
 * - keeps a cluster whose worker subnet pool overlaps another's out of both, and records why.
 * Every pass recomputes from the database and sends only what differs from what each session
 * last got, so a missed trigger delays a push by one check interval at most. Passes and query
 * answers run one at a time, so a session never gets an older table after a newer one.
 */
@Injectable()
export class NetworkInterestService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly sessions = new Map<string, SessionState>();
  /** Last RemotePeers revision per cluster: a new session of it continues above it. */
  private readonly revisions = new Map<string, number>();
  private lock: Promise<void> = Promise.resolve();
  private debounce: NodeJS.Timeout | undefined;
  private passQueued = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly clusters: ClusterRepository,
    private readonly services: ServiceRepository,
    private readonly grace: ClusterGrace,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('NetworkInterest');
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.changed(), NETWORK_CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.debounce);
    this.sessions.clear();
    await withTimeout(this.lock, 3_000, 'network interest pass').catch(() => undefined);
  }

  /** A session was accepted (Welcome sent): it gets its peers now, and no interests. */
  async sessionOpened(session: OpenSession): Promise<void> {
    const state: SessionState = {
      session,
      interests: new Map(),
      peersKey: null,
      lastWarnAt: 0,
      suppressedWarnings: 0,
    };
    this.sessions.set(session.sessionId, state);
    await this.exclusive(async () => {
      if (this.sessions.get(session.sessionId) !== state) return;
      this.pushPeers(state, await this.loadView());
    });
    // The others' peers and tables may include this cluster now.
    this.changed();
  }

  /** Drops the session's interests (the caller triggers a pass once the disconnect is stored). */
  sessionClosed(sessionId: string): void {
    this.sessions.delete(sessionId);
  }

  removeInterest(sessionId: string, jobName: string): void {
    this.sessions.get(sessionId)?.interests.delete(jobName);
  }

  /** Something the tables or peers derive from changed: recompute soon. */
  changed(): void {
    if (this.debounce !== undefined) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      if (this.passQueued) return; // the queued pass reads the database after this change
      this.passQueued = true;
      void this.exclusive(async () => {
        this.passQueued = false;
        await this.pass();
      }).catch((error: unknown) =>
        this.logger.warn({ error: (error as Error).message }, 'network interest pass failed'),
      );
    }, PUSH_DEBOUNCE_MS);
  }

  /**
   * Answers one ServiceQuery on its session. Malformed ones are answered found=false (or not at
   * all, see parseServiceQuery), with a rate-limited warning; nothing is registered or written.
   */
  async query(sessionId: string, query: ServiceQuery): Promise<void> {
    const state = this.sessions.get(sessionId);
    if (!state) return;
    const parsed = parseServiceQuery(query);
    if (!parsed.ok) {
      this.warnMalformed(state, parsed.reason);
      if (parsed.answerAs !== null) {
        state.session.send({ service_table: notFoundTable(parsed.answerAs, '') });
      }
      return;
    }
    await this.exclusive(async () => {
      const service =
        parsed.by === 'job_name'
          ? await this.services.findByJobName(parsed.key)
          : await this.services.findByAddress(parsed.key);
      if (this.sessions.get(sessionId) !== state) return;
      if (!service) {
        state.session.send({ service_table: notFoundTable(parsed.requestId, parsed.asked) });
        return;
      }
      const view = await this.loadView();
      const visible = visibleClusters(state.session.clusterId, view.membership);
      const table = buildServiceTable(service, visible, parsed.requestId, parsed.asked);
      if (
        !state.interests.has(service.job_name) &&
        state.interests.size >= MAX_INTERESTS_PER_SESSION
      ) {
        this.warnMalformed(state, `more than ${MAX_INTERESTS_PER_SESSION} interests`);
      } else {
        state.interests.set(service.job_name, tableKey(table));
      }
      state.session.send({ service_table: table });
      this.logger.debug(
        {
          clusterId: state.session.clusterId,
          jobName: service.job_name,
          by: parsed.by,
          instances: table.instances.length,
        },
        'service table query answered',
      );
    });
  }

  private exclusive(work: () => Promise<void>): Promise<void> {
    const run = this.lock.then(work);
    this.lock = run.catch(() => undefined);
    return run;
  }

  /** One level-triggered recompute: problems recorded, peers and tables pushed where changed. */
  private async pass(): Promise<void> {
    const view = await this.loadView();
    await this.recordProblems(view.clusters, view.membership);
    for (const state of this.sessions.values()) this.pushPeers(state, view);

    const jobNames = new Set<string>();
    for (const state of this.sessions.values()) {
      for (const jobName of state.interests.keys()) jobNames.add(jobName);
    }
    if (jobNames.size === 0) return;
    const byName = new Map(
      (await this.services.findByJobNames([...jobNames])).map((s) => [s.job_name, s]),
    );
    for (const state of this.sessions.values()) {
      const visible = visibleClusters(state.session.clusterId, view.membership);
      for (const [jobName, lastKey] of state.interests) {
        const service = byName.get(jobName);
        const table: ServiceTable = service
          ? buildServiceTable(service, visible, '', jobName)
          : notFoundTable('', jobName);
        const key = tableKey(table);
        if (key === lastKey) continue;
        if (state.session.send({ service_table: table })) {
          state.interests.set(jobName, key);
          this.logger.debug(
            {
              clusterId: state.session.clusterId,
              jobName,
              found: table.found,
              instances: table.instances.length,
            },
            'service table pushed',
          );
        }
      }
    }
  }

  private async loadView(): Promise<NetworkView> {
    const now = new Date();
    const clusters = (await this.clusters.list()).map((c) => ({
      ...c,
      // A cluster cut off from the root (or not yet back after a root restart) keeps serving
      // through the tunnels: its instances and peers stay in everyone's tables until the
      // failover moves its instances elsewhere, so a partition never breaks working traffic.
      inNetwork: !this.grace.expired(livenessOf(c, now), now),
    }));
    return { clusters, membership: judgeMembership(clusters) };
  }

  private pushPeers(state: SessionState, view: NetworkView): void {
    const clusterId = state.session.clusterId;
    const peers = remotePeersFor(clusterId, view.clusters, view.membership);
    const key = peersKey(peers);
    if (key === state.peersKey) return;
    const revision = nextRevision(this.revisions.get(clusterId) ?? 0, Date.now());
    if (!state.session.send({ remote_peers: { revision, peers } })) return;
    this.revisions.set(clusterId, revision);
    state.peersKey = key;
    this.logger.debug({ clusterId, revision, peers: peers.length }, 'remote peers pushed');
  }

  /**
   * Stores each member's problem when it changed, and tells the operator. Clusters gone for
   * longer than the reschedule grace keep what was recorded: it still explains their last session.
   */
  private async recordProblems(
    clusters: readonly NetworkMember[],
    membership: NetworkMembership,
  ): Promise<void> {
    for (const cluster of clusters) {
      if (!cluster.inNetwork) continue;
      const isolation = membership.isolated.get(cluster.id);
      const problem = isolation?.problem ?? null;
      if (problem === cluster.network_problem) continue;
      await this.clusters.setNetworkProblem(cluster.id, problem);
      if (isolation) {
        this.logger.error(
          {
            clusterId: cluster.id,
            name: cluster.cluster_name,
            workerSubnetPool: cluster.worker_subnet_pool,
            conflictsWith: isolation.conflictsWith,
          },
          isolation.problem,
        );
      } else {
        this.logger.info(
          { clusterId: cluster.id, name: cluster.cluster_name },
          "cluster joins the hierarchy's network: its worker subnet pool no longer overlaps another",
        );
      }
    }
  }

  private warnMalformed(state: SessionState, reason: string): void {
    const now = Date.now();
    if (now - state.lastWarnAt < HOSTILE_WARN_INTERVAL_MS) {
      state.suppressedWarnings++;
      return;
    }
    this.logger.warn(
      {
        clusterId: state.session.clusterId,
        sessionId: state.session.sessionId,
        reason,
        suppressedSinceLast: state.suppressedWarnings,
      },
      'refused a malformed service query (answered found=false)',
    );
    state.lastWarnAt = now;
    state.suppressedWarnings = 0;
  }
}
