import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { WorkerSubnetPool } from './worker-subnet-pool.service';
import { WorkerSubnetRepository } from './worker-subnet.repository';
import { subnetAt, subnetCount } from './worker-subnet.rules';

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
  constructor(
    private readonly pools: WorkerSubnetPool,
    private readonly subnets: WorkerSubnetRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('WorkerSubnets');
  }

  async subnetFor(workerId: string): Promise<string> {
    const held = await this.subnets.findByWorker(workerId);
    if (held !== null) return held;
    const pool = this.pools.current();
    if (pool === undefined) {
      throw new Error(
        'this cluster has no worker subnet pool yet: the root assigns one at the first session ' +
          '(is the root reachable?), or set WORKER_SUBNET_POOL',
      );
    }
    const total = subnetCount(pool);
    const start = (await this.subnets.highestIndex()) + 1;
    for (let step = 0; step < total; step++) {
      const index = (start + step) % total;
      const subnet = subnetAt(pool, index);
      if (await this.subnets.claim(workerId, subnet, index)) {
        this.logger.info({ workerId, subnet }, 'worker subnet assigned');
        return subnet;
      }
      // Taken by another worker, or this worker won a concurrent claim: look again.
      const mine = await this.subnets.findByWorker(workerId);
      if (mine !== null) return mine;
    }
    throw new SubnetPoolExhaustedError(
      `no free worker subnet left in ${subnetAt(pool, 0).split('/')[0]}/${pool.poolPrefix}`,
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
