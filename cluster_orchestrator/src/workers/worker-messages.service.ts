import {
  CanopyJobStatusDto,
  CanopyJobsResourcesDto,
  CanopyNodeInfoDto,
  InstanceStatus,
  metricToNumber,
  NetInterestRemoveDto,
  NetServiceDeployedDto,
  NetServiceUndeployedDto,
  NetTableQueryRequestDto,
  NodeTopic,
  NODE_NOT_REGISTERED_MESSAGE,
  parseNodeStatusPayload,
  parsePayload,
  parseTopic,
  summarizeIssues,
} from '@canopy/contracts';
import { Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { WorkerCredentialsService } from '../broker/worker-credentials.service';
import { ClusterInstanceRepository } from '../instances/cluster-instance.repository';
import { PlacementRelease } from '../instances/placement-release.service';
import { PeersPublisher } from '../network/peers-publisher.service';
import { RemoteTablesService } from '../network/remote-tables.service';
import {
  ServiceReportsService,
  type ServiceReportOutcome,
} from '../network/service-reports.service';
import { ReportTrigger } from '../report/report-trigger';
import { RELEASES_RESERVATION } from '../scheduling/worker-placement.rules';
import { WorkerMessaging } from '../worker-link/worker-messaging.repository';
import { WorkerRepository } from './worker.repository';
import { capacityOf, informationUpdateOf, LinkStatus } from './worker.rules';

/** How often a worker this cluster does not know is looked up in the broker. */
const UNKNOWN_WORKER_CHECK_INTERVAL_MS = 30_000;

/** Hostile or broken payloads are logged at most this often per worker and topic kind. */
const REJECTION_LOG_INTERVAL_MS = 10_000;

/**
 * What the workers publish (reference §5.2), validated with the contracts DTOs before anything
 * is written. The topic names the worker, and the broker's ACL guarantees only that worker (or
 * the cluster) can publish there; a worker can only change instances placed on it. Invalid
 * payloads are logged (rate-limited) and dropped; nothing here throws into the MQTT client.
 *
 * Messages are handled one at a time, in arrival order (a status must not overtake the one
 * before it).
 *
 * INVARIANT: nothing a worker this cluster has no record of publishes changes anything here or
 * on that worker (no stray-instance deletes): several clusters may share one broker, and a
 * cluster must never act on another cluster's worker.
 */
@Injectable()
export class WorkerMessagesService implements OnApplicationBootstrap {
  private chain: Promise<void> = Promise.resolve();
  private readonly lastRejectionLog = new Map<string, number>();
  private readonly unknownChecked = new Map<string, number>();
  /** Counted for /metrics-like visibility in logs and tests. */
  rejected = 0;

  constructor(
    private readonly messaging: WorkerMessaging,
    private readonly workers: WorkerRepository,
    private readonly instances: ClusterInstanceRepository,
    private readonly release: PlacementRelease,
    private readonly reports: ReportTrigger,
    private readonly credentials: WorkerCredentialsService,
    private readonly peers: PeersPublisher,
    private readonly serviceReports: ServiceReportsService,
    private readonly remoteTables: RemoteTablesService,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('WorkerMessages');
  }

  onApplicationBootstrap(): void {
    this.messaging.onMessage((topic, payload) => {
      this.chain = this.chain
        .then(() => this.handle(topic, payload))
        .catch((error: unknown) =>
          this.logger.error({ topic, error: (error as Error).message }, 'worker message failed'),
        );
    });
  }

  /** Resolves when every message received so far has been handled (tests). */
  drained(): Promise<void> {
    return this.chain;
  }

  async handle(topic: string, payload: Buffer | string): Promise<void> {
    // The shared client also receives the broker's admin answers ($CONTROL/...): not ours.
    if (!topic.startsWith('nodes/')) return undefined;
    const parsed = parseTopic(topic);
    if (parsed === null || parsed.scope !== 'node')
      return this.reject('?', 'topic', 'unknown topic');
    const { nodeId, kind } = parsed;
    switch (kind) {
      case NodeTopic.STATUS:
        return this.onStatus(nodeId, payload);
      case NodeTopic.INFORMATION:
        return this.onInformation(nodeId, payload);
      case NodeTopic.JOB:
        return this.onJob(nodeId, payload);
      case NodeTopic.JOBS_RESOURCES:
        return this.onResources(nodeId, payload);
      case NodeTopic.NET_SERVICE_DEPLOYED:
        return this.onServiceDeployed(nodeId, payload);
      case NodeTopic.NET_SERVICE_UNDEPLOYED:
        return this.onServiceUndeployed(nodeId, payload);
      case NodeTopic.NET_TABLEQUERY_REQUEST:
        return this.onTableQuery(nodeId, payload);
      case NodeTopic.NET_INTEREST_REMOVE:
        return this.onInterestRemove(nodeId, payload);
      default:
        return undefined; // our own control topics, echoed by the broker: not for us
    }
  }

  private async onStatus(workerId: string, payload: Buffer | string): Promise<void> {
    const status = parseNodeStatusPayload(payload);
    if (status === null) return this.reject(workerId, 'status', 'not "online" or "offline"');
    if (await this.workers.setLinkStatus(workerId, status)) {
      this.logger.info({ workerId, status }, `worker ${status}`);
      this.reports.request();
      this.peers.request(); // an offline worker leaves its peers' lists, an online one rejoins
    }
  }

  private async onInformation(workerId: string, payload: Buffer | string): Promise<void> {
    const result = parsePayload(CanopyNodeInfoDto, payload);
    if (!result.ok) return this.reject(workerId, 'information', summarizeIssues(result.errors));
    const worker = await this.workers.findById(workerId);
    if (worker === null) return this.unknownWorker(workerId);
    const info = result.value;
    const update = informationUpdateOf(info);
    await this.workers.recordInformation(workerId, update);
    if (worker.link_status === LinkStatus.OFFLINE) {
      await this.workers.setLinkStatus(workerId, LinkStatus.ONLINE);
      this.reports.request();
    }
    // After every write above, so the sync reads the worker as it is now.
    this.peers.informationApplied(worker, update);
    const capacity = capacityOf(info, false);
    if (capacity !== undefined) await this.workers.setCapacity(workerId, capacity);
  }

  private async onJob(workerId: string, payload: Buffer | string): Promise<void> {
    const result = parsePayload(CanopyJobStatusDto, payload);
    if (!result.ok) return this.reject(workerId, 'job', summarizeIssues(result.errors));
    if ((await this.workers.findById(workerId)) === null) return this.unknownWorker(workerId);
    const event = result.value;
    const matched = await this.instances.observe(
      event.sname,
      event.instance,
      workerId,
      event.generation,
      {
        status: event.status,
        status_detail: event.status_detail ?? '',
        ...(event.publicip ? { host_ip: event.publicip } : {}),
        ...(event.restart_count !== undefined ? { restart_count: event.restart_count } : {}),
      },
    );
    if (!matched) {
      // An UNDEPLOYED event answers a delete: answering it with another delete would ping-pong.
      if (event.status === InstanceStatus.UNDEPLOYED) return;
      return this.strayInstance(workerId, event.sname, event.instance, event.generation);
    }
    this.logger.info(
      {
        workerId,
        job: event.sname,
        instance: event.instance,
        status: event.status,
        detail: event.status_detail,
      },
      'instance status',
    );
    if (RELEASES_RESERVATION.has(event.status)) {
      const instance = await this.instances.findByJob(event.sname, event.instance);
      if (instance)
        await this.release.releaseReservation(instance.service_id, instance.instance_number);
    }
    this.reports.request();
  }

  private async onResources(workerId: string, payload: Buffer | string): Promise<void> {
    const result = parsePayload(CanopyJobsResourcesDto, payload);
    if (!result.ok) return this.reject(workerId, 'jobs/resources', summarizeIssues(result.errors));
    if ((await this.workers.findById(workerId)) === null) return this.unknownWorker(workerId);
    for (const entry of result.value.services) {
      const matched = await this.instances.observe(
        entry.job_name,
        entry.instance,
        workerId,
        entry.generation,
        {
          cpu_percent: metricToNumber(entry.cpu_percent),
          memory_percent: metricToNumber(entry.memory_percent),
          ...(entry.logs !== undefined ? { logs: entry.logs } : {}),
          ...(entry.restart_count !== undefined ? { restart_count: entry.restart_count } : {}),
        },
      );
      if (!matched)
        await this.strayInstance(workerId, entry.job_name, entry.instance, entry.generation);
    }
  }

  /** An instance's namespace is attached on the worker: record its namespace IP. */
  private async onServiceDeployed(workerId: string, payload: Buffer | string): Promise<void> {
    const result = parsePayload(NetServiceDeployedDto, payload);
    if (!result.ok)
      return this.reject(workerId, 'net/service/deployed', summarizeIssues(result.errors));
    if ((await this.workers.findById(workerId)) === null) return this.unknownWorker(workerId);
    const outcome = await this.serviceReports.deployed(workerId, result.value);
    this.logServiceReport(workerId, 'net/service/deployed', result.value, outcome);
  }

  /** An instance's namespace was detached on the worker: forget its namespace IP. */
  private async onServiceUndeployed(workerId: string, payload: Buffer | string): Promise<void> {
    const result = parsePayload(NetServiceUndeployedDto, payload);
    if (!result.ok)
      return this.reject(workerId, 'net/service/undeployed', summarizeIssues(result.errors));
    if ((await this.workers.findById(workerId)) === null) return this.unknownWorker(workerId);
    const outcome = await this.serviceReports.undeployed(workerId, result.value);
    this.logServiceReport(workerId, 'net/service/undeployed', result.value, outcome);
  }

  /**
   * A table query may wait for the root (up to its timeout): it runs beside the message chain,
   * so one slow answer never holds up other workers' statuses.
   */
  private async onTableQuery(workerId: string, payload: Buffer | string): Promise<void> {
    const result = parsePayload(NetTableQueryRequestDto, payload);
    if (!result.ok)
      return this.reject(workerId, 'net/tablequery/request', summarizeIssues(result.errors));
    if ((await this.workers.findById(workerId)) === null) return this.unknownWorker(workerId);
    void this.remoteTables.query(workerId, result.value);
  }

  private async onInterestRemove(workerId: string, payload: Buffer | string): Promise<void> {
    const result = parsePayload(NetInterestRemoveDto, payload);
    if (!result.ok)
      return this.reject(workerId, 'net/interest/remove', summarizeIssues(result.errors));
    await this.remoteTables.interestRemoved(workerId, result.value);
  }

  private logServiceReport(
    workerId: string,
    kind: string,
    report: { appname: string; instance_number?: number },
    outcome: ServiceReportOutcome,
  ): void {
    if (outcome.outcome === 'refused') return this.reject(workerId, kind, outcome.reason);
    this.logger.info(
      { workerId, job: report.appname, instance: report.instance_number, ...outcome },
      kind,
    );
  }

  /**
   * A worker this cluster has no record of (its database was restored or wiped) is told to
   * register again, Oakestra's `control/error`. Only if this cluster provisioned its broker
   * credentials, though: several clusters may share one broker (dev machines, tests) and must
   * not send each other's workers re-registering. Asked at most once per interval per worker.
   */
  private async unknownWorker(workerId: string): Promise<void> {
    const now = Date.now();
    if (now - (this.unknownChecked.get(workerId) ?? 0) < UNKNOWN_WORKER_CHECK_INTERVAL_MS) return;
    if (this.unknownChecked.size > 10_000) this.unknownChecked.clear();
    this.unknownChecked.set(workerId, now);
    const ours = await this.credentials.provisionedHere(workerId).catch(() => false);
    if (!ours) return;
    this.messaging.error(workerId, NODE_NOT_REGISTERED_MESSAGE);
    this.logger.warn({ workerId }, 'unknown worker with our credentials: told to register again');
  }

  /**
   * The worker runs an instance this cluster did not place there: tell it to remove it.
   * - Undeployed while the worker was away (no record): the delete carries the reported
   *   generation, so the worker also refuses a late deploy of that generation.
   * - Moved to another worker (its worker was lost): the delete carries NO generation. The
   *   instance keeps its generation when it moves, and may one day be placed back here; a
   *   tombstone at that generation would make this worker refuse that deploy forever.
   */
  private async strayInstance(
    workerId: string,
    jobName: string,
    instanceNumber: number,
    generation: number | undefined,
  ): Promise<void> {
    const known = await this.instances.findByJob(jobName, instanceNumber);
    // Placed here (another generation: the next deploy fixes it) or waiting for a worker (it may
    // come back here; if it lands elsewhere, this copy is removed on the next report).
    if (known !== null && (known.worker_id === workerId || known.worker_id === '')) return;
    this.logger.info(
      { workerId, job: jobName, instance: instanceNumber },
      'removing a stray instance',
    );
    this.messaging.delete(workerId, {
      job_name: jobName,
      instance_number: instanceNumber,
      ...(generation !== undefined && known === null ? { generation } : {}),
    });
  }

  private reject(workerId: string, kind: string, why: string): void {
    this.rejected++;
    const key = `${workerId}/${kind}`;
    const now = Date.now();
    if (now - (this.lastRejectionLog.get(key) ?? 0) < REJECTION_LOG_INTERVAL_MS) return;
    this.lastRejectionLog.set(key, now);
    if (this.lastRejectionLog.size > 10_000) this.lastRejectionLog.clear(); // bounded memory
    this.logger.warn({ workerId, kind, reason: why.slice(0, 500) }, 'worker message dropped');
  }
}
