import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { AddressSpace } from '@canopy/contracts';
import { ClusterNetworkStateRecord } from './cluster-network-state.schema';
import { WorkerSubnetRepository } from './worker-subnet.repository';
import { parseSubnetPool, type SubnetPool } from './worker-subnet.rules';

const STATE_ID = 'self';
/** WORKER_SUBNET_POOL's default before the root assigned pools. */
const LEGACY_DEFAULT_POOL = AddressSpace.WORKER_SUBNET_POOL_V4;

/**
 * The pool this cluster cuts worker subnets from: WORKER_SUBNET_POOL when set; otherwise the one
 * the root assigned at the first session (Welcome), persisted in `cluster_network_state` and
 * kept from then on — also if a later Welcome names another (workers keep their subnets; the
 * root flags an overlap). Until a cluster without WORKER_SUBNET_POOL has met the root, it has
 * none, and workers cannot join yet (registration answers 503 and the agents retry).
 */
@Injectable()
export class WorkerSubnetPool implements OnModuleInit {
  private pool: SubnetPool | undefined;
  private cidrText = '';
  private readonly explicit: boolean;

  constructor(
    private readonly config: ClusterConfig,
    @InjectModel(ClusterNetworkStateRecord.name)
    private readonly model: Model<ClusterNetworkStateRecord>,
    private readonly subnets: WorkerSubnetRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('WorkerSubnetPool');
    this.explicit = config.WORKER_SUBNET_POOL !== '';
    if (this.explicit) this.use(config.WORKER_SUBNET_POOL);
  }

  async onModuleInit(): Promise<void> {
    if (this.explicit) return;
    const stored = await this.model.findById(STATE_ID).lean<ClusterNetworkStateRecord>().exec();
    if (stored !== null && this.use(stored.worker_subnet_pool)) {
      this.logger.info({ pool: this.cidrText }, 'worker subnet pool (assigned by the root)');
      return;
    }
    // A cluster from before pools were assigned: its workers hold subnets of the old default
    // pool. It keeps that pool (announced, so the root assigns around it and flags an overlap)
    // rather than taking a block its workers' subnets may lie outside of.
    if ((await this.subnets.highestIndex()) >= 0) {
      await this.store(LEGACY_DEFAULT_POOL);
      this.logger.warn(
        { pool: LEGACY_DEFAULT_POOL },
        'workers hold subnets from before the root assigned pools: keeping the old default pool ' +
          '(set WORKER_SUBNET_POOL to choose another)',
      );
    }
  }

  /** The pool as CIDR text; '' while there is none. */
  cidr(): string {
    return this.cidrText;
  }

  current(): SubnetPool | undefined {
    return this.pool;
  }

  /** The pool a Welcome names: taken (and stored) when this cluster has none yet. */
  async adopt(fromRoot: string): Promise<void> {
    if (fromRoot === '' || fromRoot === this.cidrText) return;
    if (this.pool !== undefined) {
      this.logger.warn(
        { own: this.cidrText, root: fromRoot, explicit: this.explicit },
        'the root names another worker subnet pool for this cluster; keeping this one',
      );
      return;
    }
    if (typeof parseSubnetPool(fromRoot, this.config.WORKER_SUBNET_PREFIX) === 'string') {
      this.logger.error({ pool: fromRoot }, 'the root assigned an unusable worker subnet pool');
      return;
    }
    await this.store(fromRoot);
    this.logger.info({ pool: fromRoot }, 'worker subnet pool assigned by the root');
  }

  private async store(cidr: string): Promise<void> {
    await this.model
      .updateOne({ _id: STATE_ID }, { $set: { worker_subnet_pool: cidr } }, { upsert: true })
      .exec();
    this.use(cidr);
  }

  private use(cidr: string): boolean {
    const parsed = parseSubnetPool(cidr, this.config.WORKER_SUBNET_PREFIX);
    if (typeof parsed === 'string') return false;
    this.pool = parsed;
    this.cidrText = cidr;
    return true;
  }
}
