import { ALL_INSTANCES, deployCommandId, undeployCommandId } from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import {
  clusterIdOf,
  generationOf,
  isAwaitingClusterPlacement,
  jobDocumentOf,
} from '../clusters/instance-assignment';
import type { InstanceRecord, StoredService } from '../services/service.model';
import { SessionRegistry } from './session-registry';

/**
 * Sends commands down a cluster's session, if it has one open in this process. Nothing is
 * queued in memory: the database is the outbox. A cluster that is offline gets what it should
 * hold from the reconcile of its first report after reconnecting.
 */
@Injectable()
export class ClusterCommandsService {
  constructor(
    private readonly sessions: SessionRegistry,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('ClusterCommands');
  }

  /** True when sent now; false when the cluster is offline (delivered on reconnect). */
  deploy(
    clusterId: string,
    service: StoredService,
    instanceNumber: number,
    generation: number,
  ): boolean {
    const sent = this.sessions.send(clusterId, {
      deploy_instance: {
        command_id: deployCommandId(service.id, instanceNumber, generation),
        service_id: service.id,
        instance_number: instanceNumber,
        job: JSON.stringify(jobDocumentOf(service, instanceNumber)),
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
