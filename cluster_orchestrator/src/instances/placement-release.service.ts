import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterSchedulingQueue } from '../scheduling/scheduling-queue.repository';
import { WorkerMessaging } from '../worker-link/worker-messaging.repository';
import { WorkerRepository } from '../workers/worker.repository';
import { type ClusterInstance, ClusterInstanceRepository } from './cluster-instance.repository';

/**
 * Undoes a placement: gives the instance's reservation back to its worker (exactly once: the
 * reservation is taken from the record atomically, or came with the deleted record) and tells
 * the worker to remove the container.
 */
@Injectable()
export class PlacementRelease {
  constructor(
    private readonly instances: ClusterInstanceRepository,
    private readonly workers: WorkerRepository,
    private readonly messaging: WorkerMessaging,
    private readonly queue: ClusterSchedulingQueue,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('PlacementRelease');
  }

  /** After the record was deleted (`removed` is what the delete returned). */
  async afterRemoval(removed: ClusterInstance): Promise<void> {
    if (removed.reservation !== null) {
      const { worker_id, ...amounts } = removed.reservation;
      await this.workers.release(worker_id, amounts);
    }
    if (removed.worker_id !== '') {
      this.messaging.delete(removed.worker_id, {
        _id: removed.service_id,
        job_name: removed.job_name,
        instance_number: removed.instance_number,
        generation: removed.generation,
      });
    }
    await this.queue.remove(removed.service_id, removed.instance_number, removed.generation);
    this.logger.info(
      {
        serviceId: removed.service_id,
        instance: removed.instance_number,
        workerId: removed.worker_id || undefined,
        released: removed.reservation ?? undefined,
      },
      'placement released',
    );
  }

  /** The instance stays, but no longer uses its worker's resources (one_shot ended). */
  async releaseReservation(serviceId: string, instanceNumber: number): Promise<void> {
    const reservation = await this.instances.takeReservation(serviceId, instanceNumber);
    if (reservation === null) return;
    const { worker_id, ...amounts } = reservation;
    await this.workers.release(worker_id, amounts);
    this.logger.info(
      { serviceId, instance: instanceNumber, released: reservation },
      'reservation released',
    );
  }
}
