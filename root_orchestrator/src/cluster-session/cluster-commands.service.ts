import {
  ALL_INSTANCES,
  deployCommandId,
  MAX_SIBLING_SERVICES,
  undeployCommandId,
} from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import {
  clusterIdOf,
  generationOf,
  isAwaitingClusterPlacement,
  jobDocumentOf,
} from '../clusters/instance-assignment';
import type { InstanceRecord, StoredService } from '../services/service.model';
import { ServiceRepository } from '../services/service.repository';
import { SessionRegistry } from './session-registry';

/**
 * A report's reconcile may re-send many deploys of one application: its job names are looked up
 * once per this period. A stale list only costs a table query too many or too few.
 */
const APPLICATION_JOBS_TTL_MS = 2_000;

/**
 * Sends commands down a cluster's session, if it has one open in this process. Nothing is
 * queued in memory: the database is the outbox. A cluster that is offline gets what it should
 * hold from the reconcile of its first report after reconnecting.
 */
@Injectable()
export class ClusterCommandsService {
  private readonly applicationJobs = new Map<string, { at: number; jobs: string[] }>();

  constructor(
    private readonly sessions: SessionRegistry,
    private readonly services: ServiceRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('ClusterCommands');
  }

  /**
   * True when sent now; false when the cluster is offline (delivered on reconnect). `siblings`
   * comes from siblingsOf, looked up by the caller before its write so that the command follows
   * the write at once.
   */
  deploy(
    clusterId: string,
    service: StoredService,
    instanceNumber: number,
    generation: number,
    siblings: readonly string[],
  ): boolean {
    const sent = this.sessions.send(clusterId, {
      deploy_instance: {
        command_id: deployCommandId(service.id, instanceNumber, generation),
        service_id: service.id,
        instance_number: instanceNumber,
        job: JSON.stringify({
          ...jobDocumentOf(service, instanceNumber),
          ...(siblings.length > 0 ? { sibling_services: siblings } : {}),
        }),
        generation,
      },
    });
    this.logger.debug(
      { clusterId, serviceId: service.id, instance: instanceNumber, generation, sent },
      sent ? 'deploy sent' : 'cluster offline: deploy follows on reconnect',
    );
    return sent;
  }

  /**
   * The job names of the other services of `service`'s application, for the worker to prefetch
   * their tables. A hint only: when the lookup fails the deploy goes without it.
   */
  async siblingsOf(service: StoredService): Promise<string[]> {
    try {
      const now = Date.now();
      let cached = this.applicationJobs.get(service.applicationID);
      if (cached === undefined || now - cached.at > APPLICATION_JOBS_TTL_MS) {
        const jobs = (await this.services.findByApplication(service.applicationID)).map(
          (s) => s.job_name,
        );
        if (this.applicationJobs.size >= 1_000) this.applicationJobs.clear();
        cached = { at: now, jobs };
        this.applicationJobs.set(service.applicationID, cached);
      }
      return cached.jobs.filter((job) => job !== service.job_name).slice(0, MAX_SIBLING_SERVICES);
    } catch (error) {
      this.logger.warn(
        { serviceId: service.id, error: (error as Error).message },
        'sibling services unknown: deploy sent without them',
      );
      return [];
    }
  }

  /**
   * Tells the clusters at once about instances the root just removed (scale down, service or
   * application deleted): one undeploy per instance, or one `-1` per cluster when the whole
   * service is gone. Offline clusters learn it from the reconcile of their next report.
   */
  undeployRemoved(
    serviceId: string,
    removed: readonly InstanceRecord[],
    wholeService: boolean,
  ): void {
    const byCluster = new Map<string, InstanceRecord[]>();
    for (const instance of removed) {
      const clusterId = clusterIdOf(instance);
      if (clusterId === undefined || isAwaitingClusterPlacement(instance)) continue;
      byCluster.set(clusterId, [...(byCluster.get(clusterId) ?? []), instance]);
    }
    for (const [clusterId, instances] of byCluster) {
      if (wholeService) {
        this.undeploy(clusterId, serviceId, ALL_INSTANCES, 0);
        continue;
      }
      for (const instance of instances) {
        this.undeploy(clusterId, serviceId, instance.instance_number, generationOf(instance));
      }
    }
  }

  /** `instanceNumber` -1 = every instance of the service. */
  undeploy(
    clusterId: string,
    serviceId: string,
    instanceNumber: number,
    generation: number,
  ): boolean {
    const sent = this.sessions.send(clusterId, {
      undeploy_instance: {
        command_id: undeployCommandId(serviceId, instanceNumber, generation),
        service_id: serviceId,
        instance_number: instanceNumber,
        generation,
      },
    });
    this.logger.debug(
      { clusterId, serviceId, instance: instanceNumber, generation, sent },
      sent ? 'undeploy sent' : 'cluster offline: undeploy follows on reconnect',
    );
    return sent;
  }
}
