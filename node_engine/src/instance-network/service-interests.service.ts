import type { Logger } from 'pino';
import {
  ipv4ToNumber,
  isValidTopicSegment,
  MqttTopics,
  type NetInterestRemoveDto,
  type NetTableQueryRequestDto,
} from '@canopy/contracts';
import type { ServiceCounters } from '../network';
import {
  interestExpired,
  newActivity,
  observeCounters,
  type InterestActivity,
} from './interest-expiry';
import { decodeTableQueryResult, type QueriedService } from './query-table';

/** How the service talks to the cluster (the agent's MQTT link). */
export interface InterestTransport {
  publish(topic: string, body: NetTableQueryRequestDto | NetInterestRemoveDto): void;
  subscribe(topic: string): void;
  unsubscribe(topic: string): void;
}

/** What the service needs of the worker's data plane (InstanceNetworkService). */
export interface InterestTable {
  /** Addresses the effective table answers for (a miss on them needs no query). */
  tableAddresses(): ReadonlySet<string>;
  /** Replaces the queried services (re-renders DNAT when the table changes). */
  setQueried(services: QueriedService[]): Promise<void>;
  hasLocalInstance(jobName: string): boolean;
  serviceCounters(): Promise<ServiceCounters>;
}

export interface ServiceInterestsOptions {
  nodeId: string;
  transport: InterestTransport;
  table: InterestTable;
  logger: Logger;
  /** An interest without new connections this long (and no local instance) is dropped. */
  ttlMs: number;
  /** An address the hierarchy does not know is not asked about again for this long. */
  negativeCacheMs?: number;
  /** Level-triggered refresh of every interest (updates_available may be lost). */
  refreshMs?: number;
  /** Counter reads (one `nft -j list chain` each); default min(10 s, ttl/3), at least 0.5 s. */
  checkMs?: number;
  /** An unanswered query is repeated on the next miss after this long. */
  pendingMs?: number;
  /**
   * Services followed regardless of traffic (the other services of the applications this worker
   * runs instances of): their interests never expire while this says so, so a call that comes
   * after a long quiet spell still finds its rule on the first packet.
   */
  pinned?: (jobName: string) => boolean;
}

interface Interest {
  service: QueriedService;
  activity: InterestActivity;
}

/**
 * Oakestra's table query and interest registration on the worker (reference/oakestra.md §7.3-7.4)
 * for services of OTHER clusters: a table miss becomes `net/tablequery/request {sip}`; a found
 * service is kept as an interest (its instances join the DNAT table, `jobs/<job>/updates_available`
 * is subscribed and answered with a re-query by name, every interest is re-queried every 30 s);
 * an interest idle for the TTL with no local instance is dropped and `net/interest/remove` sent.
 */
export class ServiceInterests {
  private readonly interests = new Map<string, Interest>();
  private readonly negative = new Map<string, number>();
  private readonly pending = new Map<string, number>();
  private refreshTimer: NodeJS.Timeout | undefined;
  private checkTimer: NodeJS.Timeout | undefined;
  private checking = false;
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly options: ServiceInterestsOptions) {}

  /** Job names with an interest (tests, status). */
  get jobs(): string[] {
    return [...this.interests.keys()];
  }

  start(): void {
    if (this.refreshTimer) return;
    const { ttlMs } = this.options;
    this.refreshTimer = setInterval(() => this.refreshAll(), this.options.refreshMs ?? 30_000);
    const checkMs = this.options.checkMs ?? Math.max(500, Math.min(10_000, Math.floor(ttlMs / 3)));
    this.checkTimer = setInterval(() => void this.checkExpiry(), checkMs);
    this.refreshTimer.unref();
    this.checkTimer.unref();
  }

  stop(): void {
    clearInterval(this.refreshTimer);
    clearInterval(this.checkTimer);
    this.refreshTimer = undefined;
    this.checkTimer = undefined;
  }

  /** After every (re)connection: subscriptions may be gone and answers lost. */
  onConnected(): void {
    for (const job of this.interests.keys()) this.options.transport.subscribe(topicOf(job));
    this.refreshAll();
  }

  /** A traced packet to `address` that no DNAT rule took. */
  onMiss(address: string): void {
    const now = Date.now();
    if (this.options.table.tableAddresses().has(address)) return;
    const negativeUntil = this.negative.get(address);
    if (negativeUntil !== undefined && now < negativeUntil) return;
    this.negative.delete(address);
    if (this.isPending(address, now)) return;
    this.query({ sip: address }, address, now);
    this.options.logger.info({ address }, 'service table miss: querying the cluster');
  }

  /**
   * Asks for the tables of services this worker's instances will likely call (the other services
   * of their application, named by the root in the deploy) before their first packet, so that
   * packet finds its DNAT rule instead of missing the table and waiting for TCP's resend. Known,
   * already asked and unusable names are skipped. Returns the names asked for.
   */
  prefetch(jobNames: readonly string[]): string[] {
    const now = Date.now();
    const asked: string[] = [];
    for (const job of new Set(jobNames)) {
      if (!isValidTopicSegment(job) || this.interests.has(job) || this.isPending(job, now))
        continue;
      this.query({ sname: job }, job, now);
      asked.push(job);
    }
    if (asked.length > 0)
      this.options.logger.info(
        { jobs: asked },
        "prefetching the tables of the application's services",
      );
    return asked;
  }

  /** `jobs/<job>/updates_available`: the job's instances changed somewhere; ask again. */
  onJobUpdate(jobName: string): void {
    if (!this.interests.has(jobName)) return;
    this.query({ sname: jobName }, jobName, Date.now());
  }

  /** `nodes/<id>/net/tablequery/result`. Never throws. */
  onResult(payload: Uint8Array | string): Promise<void> {
    const answer = decodeTableQueryResult(payload);
    const { logger } = this.options;
    if (answer.kind === 'invalid') {
      logger.warn(
        { reason: answer.reason, bytes: payload.length },
        'net/tablequery/result dropped',
      );
      return Promise.resolve();
    }
    const now = Date.now();
    if (answer.queryKey !== undefined) this.pending.delete(answer.queryKey);
    if (answer.kind === 'not-found') {
      const key = answer.queryKey;
      if (key !== undefined && ipv4ToNumber(key) !== null) {
        this.negative.set(key, now + (this.options.negativeCacheMs ?? 5_000));
        logger.info({ address: key }, 'no service has this address; not asking again for a while');
      } else if (key !== undefined && this.interests.has(key)) {
        logger.info({ job: key }, 'queried service no longer exists; dropping the interest');
        return this.drop(key);
      }
      return Promise.resolve();
    }
    const { service } = answer;
    if (!isValidTopicSegment(service.jobName)) {
      logger.warn(
        { job: service.jobName },
        'net/tablequery/result with an unusable job name dropped',
      );
      return Promise.resolve();
    }
    const existing = this.interests.get(service.jobName);
    this.interests.set(service.jobName, {
      service,
      activity: existing?.activity ?? newActivity(now),
    });
    for (const ip of service.serviceIps) this.negative.delete(ip.Address);
    if (!existing) {
      this.options.transport.subscribe(topicOf(service.jobName));
      logger.info(
        {
          job: service.jobName,
          serviceIps: service.serviceIps.map((ip) => ip.Address),
          // The cluster's answer leaves its own instances out (they come with net/services).
          otherClusters: service.instances.map((i) => `${i.namespace_ip}@${i.worker_id}`),
        },
        'interest registered',
      );
    }
    return this.apply();
  }

  /** One expiry pass (also run by the timer). */
  async checkExpiry(): Promise<void> {
    if (this.checking || this.interests.size === 0) return;
    this.checking = true;
    try {
      const counters = await this.options.table.serviceCounters();
      const now = Date.now();
      const expired: string[] = [];
      for (const [job, interest] of this.interests) {
        const addresses = [
          ...interest.service.serviceIps.map((ip) => ip.Address),
          ...interest.service.instances.flatMap((i) => (i.instance_ip ? [i.instance_ip] : [])),
        ];
        interest.activity = observeCounters(interest.activity, addresses, counters, now);
        const local =
          this.options.table.hasLocalInstance(job) || (this.options.pinned?.(job) ?? false);
        if (interestExpired(interest.activity, now, this.options.ttlMs, local)) expired.push(job);
      }
      for (const job of expired) {
        this.options.logger.info(
          { job, idleMs: now - (this.interests.get(job)?.activity.lastActiveMs ?? now) },
          'interest expired (no new connections)',
        );
        await this.drop(job);
      }
    } catch (error) {
      this.options.logger.warn({ error: (error as Error).message }, 'interest expiry check failed');
    } finally {
      this.checking = false;
    }
  }

  private refreshAll(): void {
    const now = Date.now();
    for (const job of this.interests.keys()) this.query({ sname: job }, job, now);
  }

  private async drop(job: string): Promise<void> {
    if (!this.interests.delete(job)) return;
    this.options.transport.unsubscribe(topicOf(job));
    this.options.transport.publish(MqttTopics.netInterestRemove(this.options.nodeId), {
      appname: job,
    });
    await this.apply();
  }

  private query(body: NetTableQueryRequestDto, key: string, now: number): void {
    this.pending.set(key, now);
    this.options.transport.publish(MqttTopics.netTableQueryRequest(this.options.nodeId), body);
  }

  private isPending(key: string, now: number): boolean {
    const sent = this.pending.get(key);
    if (sent === undefined) return false;
    if (now - sent < (this.options.pendingMs ?? 5_000)) return true;
    this.pending.delete(key);
    return false;
  }

  /** Serialised: the table always ends up with the latest set of interests. */
  private apply(): Promise<void> {
    this.applying = this.applying
      .then(() => this.options.table.setQueried([...this.interests.values()].map((i) => i.service)))
      .catch((error: unknown) =>
        this.options.logger.error(
          { error: (error as Error).message },
          'queried services could not be applied',
        ),
      );
    return this.applying;
  }
}

/** Job names are valid topic levels when they came from the cluster; a bad one throws RangeError. */
function topicOf(job: string): string {
  return MqttTopics.jobUpdatesAvailable(job);
}
