import { InstanceStatus, type ClusterSchedulingJobData } from '@canopy/contracts';
import {
  clusterProfile,
  clusterSchedulingStatus,
  place,
  reservationFor,
  workloadSpecOfJob,
} from '@canopy/placement';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { ClusterInstanceRepository } from '../instances/cluster-instance.repository';
import { ReportTrigger } from '../report/report-trigger';
import { WorkerMessaging } from '../worker-link/worker-messaging.repository';
import { WorkerRepository } from '../workers/worker.repository';
import { isWorkerActive, toCandidate } from '../workers/worker.rules';
import { AWAITING_WORKER, deployPayloadOf } from './worker-placement.rules';

/**
 * `placed`: on a worker now; `dropped`: nothing to do (gone, placed, newer generation);
 * `pending`: no worker can take it yet (it carries NO_WORKER_CAPACITY & co.), retry later.
 */
export type WorkerPlacementOutcome = 'placed' | 'dropped' | 'pending';

/** Placement attempts per job when reservations race (another placement took the space). */
const RESERVE_ATTEMPTS = 8;

/**
 * The cluster scheduler's decision for one instance (DESIGN.md "Deploy"): the shared placement
 * pipeline (`clusterProfile`: active, runtime, architecture, free vcpus/memory, `direct` node
 * list, labels, addons, volumes; best fit) over this cluster's workers, then an ATOMIC
 * reservation on the chosen worker (WorkerRepository.reserve). If a concurrent placement took
 * the space first, placement runs again on fresh numbers: whatever the concurrency, no worker
 * is ever committed beyond its capacity. Accepted → NODE_SCHEDULED and `control/deploy`
 * published; refused → NO_WORKER_CAPACITY / NO_QUALIFIED_WORKER_FOUND / NO_NODE_FOUND with a
 * readable detail ("2 workers: 2 lack memory").
 */
@Injectable()
export class WorkerPlacementService {
  constructor(
    private readonly config: ClusterConfig,
    private readonly instances: ClusterInstanceRepository,
    private readonly workers: WorkerRepository,
    private readonly messaging: WorkerMessaging,
    private readonly reports: ReportTrigger,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('WorkerPlacement');
  }

  async place(job: ClusterSchedulingJobData): Promise<WorkerPlacementOutcome> {
    for (let attempt = 0; attempt < RESERVE_ATTEMPTS; attempt++) {
      const instance = await this.instances.find(job.serviceId, job.instanceNumber);
      if (
        instance === null ||
        instance.generation !== job.generation ||
        !AWAITING_WORKER.includes(instance.status) ||
        instance.reservation !== null
      ) {
        return 'dropped';
      }
      const payload = deployPayloadOf(instance);
      if (!payload.ok) {
        await this.instances.setUnplaced(
          instance.service_id,
          instance.instance_number,
          instance.generation,
          AWAITING_WORKER,
          InstanceStatus.FAILED,
          payload.error,
        );
        this.reports.request();
        this.logger.warn({ serviceId: job.serviceId, error: payload.error }, 'instance refused');
        return 'dropped';
      }

      const spec = workloadSpecOfJob(instance.job);
      const now = new Date();
      const workers = await this.workers.list();
      const candidates = workers.map((w) =>
        toCandidate(w, isWorkerActive(w, now, this.config.workerTimeoutMs)),
      );
      const result = place(spec, candidates, clusterProfile, { seed: instance.service_id });
      if (!result.placed) {
        const status = clusterSchedulingStatus(result);
        if (instance.status !== status || instance.status_detail !== result.detail) {
          await this.instances.setUnplaced(
            instance.service_id,
            instance.instance_number,
            instance.generation,
            AWAITING_WORKER,
            status,
            result.detail,
          );
          this.reports.request();
          this.logger.info(
            {
              serviceId: job.serviceId,
              instance: job.instanceNumber,
              status,
              detail: result.detail,
            },
            'no worker for the instance',
          );
        }
        return 'pending';
      }

      const workerId = result.candidate.id;
      const amounts = reservationFor(spec);
      if (!(await this.workers.reserve(workerId, amounts))) {
        this.logger.debug({ workerId, attempt }, 'reservation lost a race; placing again');
        continue;
      }
      const assigned = await this.instances.assignWorker(
        instance.service_id,
        instance.instance_number,
        instance.generation,
        AWAITING_WORKER,
        InstanceStatus.NODE_SCHEDULED,
        { worker_id: workerId, ...amounts },
        workers.find((w) => w.id === workerId)?.ip ?? '',
      );
      if (!assigned) {
        await this.workers.release(workerId, amounts); // undeployed or placed meanwhile
        return 'dropped';
      }
      this.messaging.deploy(workerId, payload.body);
      this.reports.request();
      this.logger.info(
        {
          serviceId: instance.service_id,
          instance: instance.instance_number,
          generation: instance.generation,
          workerId,
          worker: result.candidate.name,
          reserved: amounts,
        },
        'instance placed on a worker',
      );
      return 'placed';
    }
    return 'pending';
  }
}
