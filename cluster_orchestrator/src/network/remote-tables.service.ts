import {
  JobUpdateType,
  type NetInterestRemoveDto,
  type NetTableQueryRequestDto,
} from '@canopy/contracts';
import type { ServiceTable } from '@canopy/contracts/grpc';
import { Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { ClusterInstanceRepository } from '../instances/cluster-instance.repository';
import { WorkerMessaging } from '../worker-link/worker-messaging.repository';
import { WorkerRepository } from '../workers/worker.repository';
import { isWorkerActive } from '../workers/worker.rules';
import { HierarchyLink } from './hierarchy-link';
import { NetInterestRepository } from './net-interest.repository';
import { QueryBudget } from './query-budget';
import {
  foundResultOf,
  hierarchyQueryOf,
  localMatchOf,
  localResultOf,
  notFoundResultOf,
  tableAnswers,
  updateTypeOf,
  workerViewKey,
} from './remote-tables.rules';

/**
 * A worker interest not refreshed by a query for this long expires (workers re-query every
 * interest about every 30 s while they keep it, and send `net/interest/remove` when they drop it;
 * this catches workers that vanish without saying so).
 */
export const WORKER_INTEREST_TTL_MS = 120_000;
const EXPIRY_CHECK_INTERVAL_MS = 30_000;
/** Bound on cached tables (one per service some worker was interested in). */
const MAX_CACHED_TABLES = 10_000;
/** Table queries one worker may send per window (its net manager sends at most ~20 a second). */
const QUERY_BUDGET = { limit: 100, windowMs: 5_000 } as const;
const THROTTLE_LOG_INTERVAL_MS = 10_000;

/**
 * The cluster network manager's table queries and interests (reference §7.4):
 * - a worker's `net/tablequery/request` is answered with the root's hierarchy-wide table of that
 *   service (the root registers this cluster's interest), minus this cluster's own instances
 *   (those come through `net/services`), and the worker's interest is recorded;
 * - tables the root pushes for interests replace the cache, and when what workers would see
 *   changes, `jobs/<job>/updates_available` tells them to query again;
 * - `net/interest/remove` and the TTL drop worker interests; when no worker of the cluster
 *   needs a service any more, the root is told (InterestRemove);
 * - after every new session to the root (the root forgets a session's interests) every interest
 *   is registered again by querying it.
 * Without a session the cluster answers from its cache or its own records: a partition from the
 * root never breaks traffic that was already working.
 */
@Injectable()
export class RemoteTablesService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly cache = new Map<string, ServiceTable>();
  private readonly budget = new QueryBudget(QUERY_BUDGET.limit, QUERY_BUDGET.windowMs);
  private readonly throttleLogged = new Map<string, number>();
  private expiryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly config: ClusterConfig,
    private readonly hierarchy: HierarchyLink,
    private readonly interests: NetInterestRepository,
    private readonly instances: ClusterInstanceRepository,
    private readonly workers: WorkerRepository,
    private readonly messaging: WorkerMessaging,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('RemoteTables');
  }

  onApplicationBootstrap(): void {
    this.hierarchy.onTable((table) => this.tableFromRoot(table));
    this.hierarchy.onSessionOpen(() => void this.registerAll());
    this.expiryTimer = setInterval(() => void this.expire(), EXPIRY_CHECK_INTERVAL_MS);
    this.expiryTimer.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.expiryTimer);
  }

  /** A worker's `net/tablequery/request` (already a valid DTO). Never throws. */
  async query(workerId: string, request: NetTableQueryRequestDto): Promise<void> {
    const parsed = hierarchyQueryOf(request);
    if ('problem' in parsed) {
      this.logger.warn({ workerId, problem: parsed.problem }, 'table query refused');
      return;
    }
    const { query, key } = parsed;
    const now = Date.now();
    if (!this.budget.take(workerId, now)) {
      if (now - (this.throttleLogged.get(workerId) ?? 0) >= THROTTLE_LOG_INTERVAL_MS) {
        if (this.throttleLogged.size > 10_000) this.throttleLogged.clear();
        this.throttleLogged.set(workerId, now);
        this.logger.warn(
          { workerId, ...QUERY_BUDGET },
          'table queries over budget: dropped (the root is not asked)',
        );
      }
      return;
    }
    try {
      const own = this.hierarchy.ownClusterId();
      const fromRoot = await this.hierarchy.query(query);
      if (fromRoot?.found) {
        await this.interests.touch(workerId, fromRoot.job_name, new Date());
        this.messaging.tableQueryResult(workerId, foundResultOf(fromRoot, key, own));
        this.logger.info(
          { workerId, query: key, job: fromRoot.job_name, instances: fromRoot.instances.length },
          'table query answered by the root',
        );
        return;
      }
      if (fromRoot !== undefined) {
        this.messaging.tableQueryResult(workerId, notFoundResultOf(key));
        return;
      }
      // No answer from the root: partitioned, or not connected yet.
      const cached = [...this.cache.values()].find((t) => t.found && tableAnswers(t, query));
      if (cached !== undefined) {
        await this.interests.touch(workerId, cached.job_name, new Date());
        this.messaging.tableQueryResult(workerId, foundResultOf(cached, key, own));
        return;
      }
      const local = localMatchOf(query, await this.instances.list());
      if (local !== undefined) {
        await this.interests.touch(workerId, local.jobName, new Date());
        this.messaging.tableQueryResult(
          workerId,
          localResultOf(local.jobName, local.serviceIps, key),
        );
        return;
      }
      this.messaging.tableQueryResult(workerId, notFoundResultOf(key));
    } catch (error) {
      this.logger.warn(
        { workerId, query: key, error: (error as Error).message },
        'table query failed',
      );
    }
  }

  /** A worker's `net/interest/remove`. */
  async interestRemoved(workerId: string, request: NetInterestRemoveDto): Promise<void> {
    if (!(await this.interests.remove(workerId, request.appname))) return;
    this.logger.info({ workerId, job: request.appname }, 'worker interest removed');
    await this.dropIfUnwanted(request.appname);
  }

  /** Resolves once every interest has been re-registered (tests). */
  async registerAll(): Promise<void> {
    const jobs = new Set((await this.interests.list().catch(() => [])).map((i) => i.job_name));
    if (jobs.size > 0) this.logger.info({ jobs: jobs.size }, 'registering interests with the root');
    await Promise.all([...jobs].map((job) => this.hierarchy.query({ job_name: job })));
    // Whatever changed while this cluster was away from the root (or restarting): workers query
    // again and get the fresh tables.
    for (const job of jobs) this.messaging.jobUpdates(job, { type: JobUpdateType.DEPLOYMENT });
  }

  /** Expires stale interests now (also run periodically). */
  async expire(now = new Date()): Promise<void> {
    try {
      const active = new Set(
        (await this.workers.list())
          .filter((w) => isWorkerActive(w, now, this.config.workerTimeoutMs))
          .map((w) => w.id),
      );
      const removed = await this.interests.expire(
        new Date(now.getTime() - WORKER_INTEREST_TTL_MS),
        active,
      );
      for (const job of new Set(removed.map((i) => i.job_name))) await this.dropIfUnwanted(job);
      if (removed.length > 0)
        this.logger.info({ removed: removed.length }, 'worker interests expired');
    } catch (error) {
      this.logger.warn({ error: (error as Error).message }, 'interest expiry failed');
    }
  }

  private async dropIfUnwanted(jobName: string): Promise<void> {
    if ((await this.interests.workersInterestedIn(jobName)).length > 0) return;
    this.cache.delete(jobName);
    this.hierarchy.removeInterest(jobName);
    this.logger.info({ job: jobName }, 'interest removed at the root');
  }

  /** Any table from the root (answer or push): cache it; tell interested workers if it changed. */
  private tableFromRoot(table: ServiceTable): void {
    const job = table.found ? table.job_name : table.query_key;
    if (job === '') return;
    const own = this.hierarchy.ownClusterId();
    const before = this.cache.get(job);
    if (table.found) {
      if (before === undefined && this.cache.size >= MAX_CACHED_TABLES) return;
      this.cache.set(job, table);
    } else {
      this.cache.delete(job);
    }
    // Answers to first queries have no audience yet; the querying worker gets them directly.
    if (before === undefined) return;
    if (workerViewKey(before, own) === workerViewKey(table, own)) return;
    const type = updateTypeOf(before, table, own);
    this.messaging.jobUpdates(job, { type });
    this.logger.info(
      { job, type, instances: table.instances.length },
      'service table changed: updates_available',
    );
  }
}
