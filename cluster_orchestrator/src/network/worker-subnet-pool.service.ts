import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectModel } from '@nestjs/mongoose';
import type { Model } from 'mongoose';
import { PinoLogger } from 'nestjs-pino';
import { ClusterConfig } from '../config/cluster-config';
import { ClusterNetworkStateRecord } from './cluster-network-state.schema';
import { parseSubnetPool, type SubnetPool } from './worker-subnet.rules';

const STATE_ID = 'self';

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
    await this.model
      .updateOne({ _id: STATE_ID }, { $set: { worker_subnet_pool: fromRoot } }, { upsert: true })
      .exec();
    this.use(fromRoot);
    this.logger.info({ pool: fromRoot }, 'worker subnet pool assigned by the root');
  }

  private use(cidr: string): boolean {
    const parsed = parseSubnetPool(cidr, this.config.WORKER_SUBNET_PREFIX);
    if (typeof parsed === 'string') return false;
    this.pool = parsed;
    this.cidrText = cidr;
    return true;
  }
}
