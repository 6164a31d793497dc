import { InstanceStatus } from '@canopy/contracts';
import { place, rootProfile, rootSchedulingStatus, workloadSpecOfJob } from '@canopy/placement';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterCommandsService } from '../cluster-session/cluster-commands.service';
import type { InstanceRecord, StoredService } from '../services/service.model';
import { ServiceRepository } from '../services/service.repository';
import { pendingReservations, toCandidate } from './cluster-candidates';
import type { Cluster } from './cluster.model';
import { ClusterRepository } from './cluster.repository';
import { findInstance, generationOf, isAwaitingClusterPlacement } from './instance-assignment';

export type ClusterPlacementOutcome =
  | { outcome: 'placed'; clusterId: string; clusterName: string; delivered: boolean }
  /** No cluster fits now: the instance carries Oakestra's negative status; retry later. */
  | { outcome: 'unplaced'; status: string; detail: string }
  /** Nothing to do: the service or instance is gone, or it is placed already. */
  | { outcome: 'dropped' };

/**
 * The root scheduler's decision for one instance (DESIGN.md "Deploy"; reference §6): the shared
 * placement pipeline (`rootProfile`: runtime, architecture, resources per architecture, direct
 * cluster, allow-list, geo; best fit) over every registered cluster, active or not. Accepted →
 * the instance becomes CLUSTER_SCHEDULED on that cluster (compare-and-set on the service) and
 * the deploy goes down the cluster's session (or follows on its reconnect). Refused → the
 * instance gets TargetClusterNotFound / TargetClusterNotActive / TargetClusterNoCapacity /
 * NoActiveClusterWithCapacity and a readable status_detail ("2 clusters: 1 lacks memory, ...").
 */
@Injectable()
export class ClusterPlacementService {
  constructor(
    private readonly services: ServiceRepository,
    private readonly clusters: ClusterRepository,
    private readonly commands: ClusterCommandsService,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('ClusterPlacement');
  }

  /**
   * `generation`: the generation the caller's job was queued for; an instance rescheduled since
   * (a newer generation) is left to the newer job.
   */
  async placeInstance(
    serviceId: string,
    instanceNumber: number,
    generation?: number,
  ): Promise<ClusterPlacementOutcome> {
    const service = await this.services.findById(serviceId);
    const instance = service ? findInstance(service, instanceNumber) : undefined;
    if (!service || !instance || !isAwaitingClusterPlacement(instance)) {
      return { outcome: 'dropped' };
    }
    if (generation !== undefined && generationOf(instance) > generation) {
      return { outcome: 'dropped' };
    }

    const clusters = await this.clusters.list();
    const placed = await this.services.findPlacedOnClusters(clusters.map((c) => c.id));
    const now = new Date();
    const pending = pendingReservations(clusters, placed);
    const candidates = clusters.map((c) => toCandidate(c, now, pending.get(c.id)));
    const result = place(workloadSpecOfJob(service.document), candidates, rootProfile, {
      seed: service.id,
    });

    if (result.placed) {
      const cluster = clusters.find((c) => c.id === result.candidate.id) as Cluster;
      return this.assign(
        service.id,
        instanceNumber,
        cluster,
        await this.commands.siblingsOf(service),
      );
    }
    const status = rootSchedulingStatus(result);
    if (instance.status === status && instance.status_detail === result.detail) {
      return { outcome: 'unplaced', status, detail: result.detail }; // a retry: nothing new
    }
    await this.services.modifyInstances(service.id, (current) => {
      const now2 = findInstance(current, instanceNumber);
      if (!now2 || !isAwaitingClusterPlacement(now2)) return null;
      if (now2.status === status && now2.status_detail === result.detail) return null;
      return {
        instance_list: replace(current, instanceNumber, {
          ...now2,
          status,
          status_detail: result.detail,
          last_modified_timestamp: Date.now() / 1000,
        }),
        status,
        status_detail: result.detail,
      };
    });
    this.logger.info(
      { serviceId, instance: instanceNumber, status, detail: result.detail },
      'no cluster for the instance',
    );
    return { outcome: 'unplaced', status, detail: result.detail };
  }

  private async assign(
    serviceId: string,
    instanceNumber: number,
    cluster: Cluster,
    siblings: readonly string[],
  ): Promise<ClusterPlacementOutcome> {
    let generation = 0;
    const written = await this.services.modifyInstances(serviceId, (current) => {
      const instance = findInstance(current, instanceNumber);
      if (!instance || !isAwaitingClusterPlacement(instance)) return null;
      generation = generationOf(instance);
      return {
        instance_list: replace(current, instanceNumber, {
          ...instance,
          status: InstanceStatus.CLUSTER_SCHEDULED,
          status_detail: '',
          cluster_id: cluster.id,
          cluster_location: cluster.cluster_location,
          generation,
          last_modified_timestamp: Date.now() / 1000,
        }),
        status: InstanceStatus.CLUSTER_SCHEDULED,
        status_detail: '',
      };
    });
    if (!written?.changed) return { outcome: 'dropped' }; // placed or removed meanwhile
    const delivered = this.commands.deploy(
      cluster.id,
      written.service,
      instanceNumber,
      generation,
      siblings,
    );
    this.logger.info(
      {
        serviceId,
        instance: instanceNumber,
        clusterId: cluster.id,
        cluster: cluster.cluster_name,
        generation,
        delivered,
      },
      'instance placed on a cluster',
    );
    return {
      outcome: 'placed',
      clusterId: cluster.id,
      clusterName: cluster.cluster_name,
      delivered,
    };
  }
}

function replace(
  service: StoredService,
  instanceNumber: number,
  next: InstanceRecord,
): InstanceRecord[] {
  return service.instance_list.map((i) => (i.instance_number === instanceNumber ? next : i));
}
