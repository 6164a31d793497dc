import { ALL_INSTANCES, InstanceStatus } from '@canopy/contracts';
import type { Ack, DeployInstance, UndeployInstance } from '@canopy/contracts/grpc';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ReportTrigger } from '../report/report-trigger';
import { ClusterSchedulingQueue } from '../scheduling/scheduling-queue.repository';
import { ClusterInstanceRepository } from './cluster-instance.repository';
import {
  commandAddressError,
  decideDeploy,
  decideUndeploy,
  parseJobDocument,
} from './instance-commands.rules';
import { PlacementRelease } from './placement-release.service';

/**
 * Applies the root's commands to the cluster's instance records, idempotently: a repeated
 * command (same generation) changes nothing and is acknowledged again; an older one is ignored.
 *
 * A stored instance is CLUSTER_SCHEDULED and queued for the cluster scheduler; a newer
 * generation of an instance already on a worker first releases that placement. Removing an
 * instance releases its reservation and tells its worker to remove the container.
 */
@Injectable()
export class InstanceCommandsService {
  constructor(
    private readonly instances: ClusterInstanceRepository,
    private readonly release: PlacementRelease,
    private readonly queue: ClusterSchedulingQueue,
    private readonly reports: ReportTrigger,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('InstanceCommands');
  }

  async deploy(command: DeployInstance): Promise<Ack> {
    const invalid = commandAddressError(command);
    if (invalid !== undefined || command.instance_number === ALL_INSTANCES) {
      return this.refuse(command.command_id, invalid ?? 'instance_number must be >= 0');
    }
    const job = parseJobDocument(command.job);
    if (!job.ok) return this.refuse(command.command_id, job.error);
    const stored = await this.instances.find(command.service_id, command.instance_number);
    const decision = decideDeploy(stored, command);
    if (decision === 'apply') {
      if (stored !== null && stored.worker_id !== '') {
        // An older generation runs somewhere: undo it before the new one is placed.
        const removed = await this.instances.removeUpTo(
          stored.service_id,
          stored.instance_number,
          stored.generation,
        );
        if (removed) await this.release.afterRemoval(removed);
      }
      const written = await this.instances.putIfNewer({
        service_id: command.service_id,
        instance_number: command.instance_number,
        generation: command.generation,
        job_name: typeof job.job['job_name'] === 'string' ? job.job['job_name'] : '',
        job: job.job,
        status: InstanceStatus.CLUSTER_SCHEDULED,
        status_detail: '',
        worker_id: '',
      });
      this.logger.info(
        {
          serviceId: command.service_id,
          instance: command.instance_number,
          generation: command.generation,
          written,
        },
        written ? 'instance stored (CLUSTER_SCHEDULED)' : 'instance already stored',
      );
      if (written) {
        await this.queue.enqueue(command.service_id, command.instance_number, command.generation);
        this.reports.request();
      }
    } else {
      this.logger.debug(
        { commandId: command.command_id, decision, stored: stored?.generation },
        'deploy command ignored',
      );
    }
    return { command_id: command.command_id, ok: true, error: '' };
  }

  async undeploy(command: UndeployInstance): Promise<Ack> {
    const invalid = commandAddressError(command);
    if (invalid !== undefined) return this.refuse(command.command_id, invalid);
    const stored =
      command.instance_number === ALL_INSTANCES
        ? null
        : await this.instances.find(command.service_id, command.instance_number);
    const decision = decideUndeploy(stored, command);
    if (decision === 'remove_service') {
      const removed = await this.instances.removeService(command.service_id);
      for (const instance of removed) await this.release.afterRemoval(instance);
      this.reports.request();
      this.logger.info(
        { serviceId: command.service_id, removed: removed.length },
        'instances of service removed',
      );
    } else if (decision === 'remove') {
      const removed = await this.instances.removeUpTo(
        command.service_id,
        command.instance_number,
        command.generation,
      );
      if (removed) {
        await this.release.afterRemoval(removed);
        this.reports.request();
      }
      this.logger.info(
        { serviceId: command.service_id, instance: command.instance_number, removed: !!removed },
        'instance removed',
      );
    } else {
      this.logger.debug({ commandId: command.command_id, decision }, 'undeploy command ignored');
    }
    return { command_id: command.command_id, ok: true, error: '' };
  }

  private refuse(commandId: string, error: string): Ack {
    this.logger.warn({ commandId, error }, 'command refused');
    return { command_id: commandId, ok: false, error };
  }
}
