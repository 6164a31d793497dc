import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { WorkerSubnetRepository } from './worker-subnet.repository';
import { parseSubnetPool, subnetAt, subnetCount, type SubnetPool } from './worker-subnet.rules';

/** The pool has no free subnet left. */
export class SubnetPoolExhaustedError extends Error {
  override readonly name = 'SubnetPoolExhaustedError';
}

/**
 * Worker subnets (issue 6 "Allocation", cluster part): a worker gets one subnet of
 * WORKER_SUBNET_PREFIX bits from WORKER_SUBNET_POOL at registration and keeps it for as long as
 * it is registered (a restarted or re-registering worker gets the same one). Claims are unique
 * inserts, so concurrent registrations never share a subnet.
 */
@Injectable()
export class WorkerSubnetService {
  private readonly pool: SubnetPool;

  constructor(
    config: ClusterConfig,
    private readonly subnets: WorkerSubnetRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('WorkerSubnets');
    // Validated at boot by the config's @IsSubnetPool, so this cannot be a string here.
    this.pool = parseSubnetPool(
      config.WORKER_SUBNET_POOL,
      config.WORKER_SUBNET_PREFIX,
    ) as SubnetPool;
  }

  async subnetFor(workerId: string): Promise<string> {
    const held = await this.subnets.findByWorker(workerId);
    if (held !== null) return held;
    const total = subnetCount(this.pool);
    const start = (await this.subnets.highestIndex()) + 1;
    for (let step = 0; step < total; step++) {
      const index = (start + step) % total;
      const subnet = subnetAt(this.pool, index);
      if (await this.subnets.claim(workerId, subnet, index)) {
        this.logger.info({ workerId, subnet }, 'worker subnet assigned');
        return subnet;
      }
      // Taken by another worker, or this worker won a concurrent claim: look again.
      const mine = await this.subnets.findByWorker(workerId);
      if (mine !== null) return mine;
    }
    throw new SubnetPoolExhaustedError(
      `no free worker subnet left in ${subnetAt(this.pool, 0).split('/')[0]}/${this.pool.poolPrefix}`,
    );
  }

  /** Every worker's subnet, worker id → CIDR. */
  assignments(): Promise<Map<string, string>> {
    return this.subnets.all();
  }

  release(workerId: string): Promise<boolean> {
    return this.subnets.release(workerId);
  }
}
