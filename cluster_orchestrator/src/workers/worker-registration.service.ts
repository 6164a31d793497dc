import {
  CanopyNodeRegistrationDto,
  type NodeRegistrationResponseDto,
  validateDto,
  type ValidationIssue,
} from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { WorkerCredentialsService } from '../broker/worker-credentials.service';
import { ClusterConfig } from '../config/cluster-config';
import { PeersPublisher } from '../network/peers-publisher.service';
import { WorkerSubnetService } from '../network/worker-subnet.service';
import { ReportTrigger } from '../report/report-trigger';
import { WorkerRepository, type Worker } from './worker.repository';
import {
  acceptableProposedId,
  capacityOf,
  joinTokenMatches,
  LinkStatus,
  workerFactsOf,
} from './worker.rules';

export type RegistrationOutcome =
  | { ok: true; response: NodeRegistrationResponseDto; created: boolean }
  | { ok: false; reason: 'invalid'; message: string; details: ValidationIssue[] }
  | { ok: false; reason: 'unauthorized'; message: string }
  | { ok: false; reason: 'unavailable'; message: string };

/** Attempts at claiming an id/host before giving up (only concurrent twins collide). */
const INSERT_ATTEMPTS = 3;

/**
 * The worker handshake (`POST /api/node/register`, reference §5.1): validates the node facts,
 * checks the join token, keeps the worker's identity (the id it presents, else the id already
 * stored for its hostname, else a new one), records capacity, and provisions per-worker MQTT
 * credentials whose ACL covers only `nodes/<id>/...`. Every registration issues a new password
 * (the previous one stops working), so a leaked one is rotated by restarting the worker.
 */
@Injectable()
export class WorkerRegistrationService {
  constructor(
    private readonly config: ClusterConfig,
    private readonly workers: WorkerRepository,
    private readonly credentials: WorkerCredentialsService,
    private readonly reports: ReportTrigger,
    private readonly subnets: WorkerSubnetService,
    private readonly peers: PeersPublisher,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('WorkerRegistration');
  }

  async register(body: unknown): Promise<RegistrationOutcome> {
    const parsed = validateDto(CanopyNodeRegistrationDto, body);
    if (!parsed.ok) {
      return {
        ok: false,
        reason: 'invalid',
        message: 'Invalid node registration',
        details: parsed.errors,
      };
    }
    const dto = parsed.value;
    if (!joinTokenMatches(dto.join_token, this.config.WORKER_JOIN_TOKEN)) {
      this.logger.warn(
        { host: dto.host, ip: dto.ip },
        'worker registration refused: bad join token',
      );
      return {
        ok: false,
        reason: 'unauthorized',
        message:
          dto.join_token === undefined
            ? 'join_token is required to join this cluster'
            : 'join_token is not valid for this cluster',
      };
    }

    const facts = workerFactsOf(dto, dto.host);
    const capacity = capacityOf(dto, true) as NonNullable<ReturnType<typeof capacityOf>>;
    let worker: Worker | null = null;
    let created = false;
    for (let attempt = 0; attempt < INSERT_ATTEMPTS && worker === null; attempt++) {
      const byId = acceptableProposedId(dto.id) ? await this.workers.findById(dto.id) : null;
      const existing =
        byId !== null && byId.host === dto.host ? byId : await this.workers.findByHost(dto.host);
      if (existing !== null) {
        worker = existing;
        break;
      }
      // A worker whose id this cluster forgot (database restored) keeps it, unless taken.
      const id = acceptableProposedId(dto.id) && byId === null ? dto.id : WorkerRepository.newId();
      if (await this.workers.insert(id, facts, capacity, '')) {
        worker = await this.workers.findById(id);
        created = true;
      }
    }
    if (worker === null) {
      return { ok: false, reason: 'unavailable', message: 'registration raced; try again' };
    }

    let mqtt: { username: string; password: string };
    let subnetwork: string;
    try {
      subnetwork = await this.subnets.subnetFor(worker.id);
    } catch (error) {
      this.logger.error(
        { workerId: worker.id, error: (error as Error).message },
        'could not assign a subnet to the worker',
      );
      return { ok: false, reason: 'unavailable', message: (error as Error).message };
    }
    try {
      mqtt = await this.credentials.provision(worker.id);
    } catch (error) {
      this.logger.error(
        { workerId: worker.id, error: (error as Error).message },
        'could not provision MQTT credentials for the worker',
      );
      return {
        ok: false,
        reason: 'unavailable',
        message: 'the cluster could not provision MQTT credentials; try again later',
      };
    }
    await this.workers.recordFacts(worker.id, facts, { mqtt_username: mqtt.username });
    await this.workers.setLinkStatus(worker.id, LinkStatus.ONLINE);
    if (!created) await this.workers.setCapacity(worker.id, capacity);
    this.reports.request(); // the root should see the new capacity before placing anything
    this.peers.request({ force: true }); // a (re)joined worker and its peers learn of each other

    this.logger.info(
      {
        workerId: worker.id,
        host: dto.host,
        ip: dto.ip,
        created,
        capacity,
        subnetwork,
        keptProposedId: dto.id === worker.id,
      },
      created ? 'worker joined' : 'worker registered again',
    );
    return {
      ok: true,
      created,
      response: {
        id: worker.id,
        MQTT_BROKER_PORT: String(this.config.workerMqttPort),
        mqtt_username: mqtt.username,
        mqtt_password: mqtt.password,
        subnetwork,
      },
    };
  }
}
