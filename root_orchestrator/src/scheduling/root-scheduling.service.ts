import { isScheduleInstanceJobData, type ScheduleInstanceJobData } from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { ClusterPlacementService } from '../clusters/cluster-placement.service';

/**
 * `placed`: the instance is on a cluster now; `dropped`: nothing left to do (instance gone,
 * placed already, or a newer job owns it); `pending`: no cluster fits yet, retry later.
 */
export type ScheduleOutcome = 'placed' | 'dropped' | 'pending';

/**
 * Root scheduling of one instance: the job names an instance that waits for a cluster
 * (REQUESTED, or refused earlier with TargetCluster* / NoActiveClusterWithCapacity) and the
 * generation it was queued for; ClusterPlacementService runs the placement pipeline over the
 * clusters and records the outcome. A refused instance keeps its job, retried every
 * SCHEDULING_RETRY_INTERVAL (see RootSchedulingProcessor), so it lands as soon as a cluster
 * that fits registers, comes back or frees capacity.
 */
@Injectable()
export class RootSchedulingService {
  constructor(private readonly placement: ClusterPlacementService) {}

  async schedule(data: ScheduleInstanceJobData): Promise<ScheduleOutcome> {
    if (!isScheduleInstanceJobData(data)) return 'dropped'; // not ours (written by hand or an older version)
    // Dropped when the instance is gone, placed, or rescheduled since the job was queued (the
    // job of the newer generation places it then).
    const result = await this.placement.placeInstance(
      data.serviceId,
      data.instanceNumber,
      data.generation,
    );
    if (result.outcome === 'placed') return 'placed';
    return result.outcome === 'unplaced' ? 'pending' : 'dropped';
  }
}
