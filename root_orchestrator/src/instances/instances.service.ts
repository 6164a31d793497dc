import { InstanceStatus, type InstanceRequestedDto, type MessageDto } from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { requireApplicationProvider } from '../auth/policies';
import { ClusterCommandsService } from '../cluster-session/cluster-commands.service';
import { generationOf } from '../clusters/instance-assignment';
import type { Principal } from '../auth/principal';
import { NotFoundError } from '../common/errors/domain-errors';
import { NetworkAddressesService } from '../network/network-addresses.service';
import { NetworkInterestService } from '../network-interest/network-interest.service';
import { WAITING_FOR_SCHEDULING } from '../scheduling/scheduling.constants';
import { SchedulingQueue } from '../scheduling/scheduling-queue.repository';
import type { InstanceRecord } from '../services/service.model';
import { ServiceRepository } from '../services/service.repository';
import { SERVICE_NOT_FOUND, ServicesService } from '../services/services.service';
import {
  ALL_INSTANCES,
  parseInstanceNumber,
  requestedInstance,
  splitInstances,
} from './instance.rules';

@Injectable()
export class InstancesService {
  constructor(
    private readonly services: ServicesService,
    private readonly repository: ServiceRepository,
    private readonly queue: SchedulingQueue,
    private readonly commands: ClusterCommandsService,
    private readonly network: NetworkAddressesService,
    private readonly tables: NetworkInterestService,
  ) {}

  /**
   * POST /api/service/<id>/instance: claims an InstanceIP (409 when the pool is exhausted: no
   * instance is added), then appends instance `next_instance_progressive_number` as REQUESTED
   * with `instance_ip` and bumps the counter in ONE compare-and-set write (concurrent calls get
   * distinct numbers, none lost), then queues its scheduling job. If Redis does not answer, the
   * instance is still recorded and the reconciler queues it later.
   */
  async scaleUp(principal: Principal, serviceId: string): Promise<InstanceRequestedDto> {
    requireApplicationProvider(principal);
    await this.services.visibleService(principal, serviceId);
    // Claimed before the instance exists, so the record never holds an unclaimed address.
    const claim = await this.network.claimInstanceAddress(serviceId);
    let instanceNumber = -1;
    let result: Awaited<ReturnType<ServiceRepository['modifyInstances']>>;
    try {
      result = await this.repository.modifyInstances(serviceId, (current) => {
        instanceNumber = current.next_instance_progressive_number;
        return {
          instance_list: [
            ...current.instance_list,
            { ...requestedInstance(instanceNumber, Date.now()), instance_ip: claim.address },
          ],
          next_instance_progressive_number: instanceNumber + 1,
          status: InstanceStatus.REQUESTED,
          status_detail: WAITING_FOR_SCHEDULING,
        };
      });
    } catch (error) {
      await this.network.releaseClaim(claim);
      throw error;
    }
    if (!result) {
      await this.network.releaseClaim(claim); // the service was deleted meanwhile
      throw new NotFoundError(SERVICE_NOT_FOUND);
    }
    await this.network.bindInstance(claim, instanceNumber);
    await this.queue.enqueue(serviceId, instanceNumber);
    return { message: 'ok', instance_number: instanceNumber };
  }

  /**
   * DELETE /api/service/<id>/instance/<n>: removes instance n (-1: all) and its queued job, and
   * tells the clusters holding them (at once if connected; otherwise the reconcile of their next
   * report undeploys what the root no longer has).
   */
  async scaleDown(principal: Principal, serviceId: string, which: string): Promise<MessageDto> {
    requireApplicationProvider(principal);
    const instanceNumber = parseInstanceNumber(which);
    await this.services.visibleService(principal, serviceId);
    let removed: InstanceRecord[] = [];
    const result = await this.repository.modifyInstances(serviceId, (current) => {
      const split = splitInstances(current.instance_list, instanceNumber);
      removed = split.removed;
      return split.removed.length === 0 ? null : { instance_list: split.kept };
    });
    if (!result) throw new NotFoundError(SERVICE_NOT_FOUND);
    if (removed.length === 0 && instanceNumber !== ALL_INSTANCES) {
      throw new NotFoundError(`Instance ${instanceNumber} not found`);
    }
    await this.queue.removeInstances(
      serviceId,
      removed.map((i) => ({ instanceNumber: i.instance_number, generation: generationOf(i) })),
    );
    // Only now that no instance record holds them.
    await this.network.releaseInstances(serviceId, removed);
    this.commands.undeployRemoved(serviceId, removed, false);
    this.tables.changed();
    return { message: 'ok' };
  }
}
