import { parseIpv4Cidr } from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import type { Cluster } from '../clusters/cluster.model';
import { ClusterRepository } from '../clusters/cluster.repository';
import { RootConfig } from '../config/root-config';
import { assignClusterPool } from './cluster-pool.rules';

/**
 * Worker subnet pools of clusters that bring none (WORKER_SUBNET_POOL unset): the root hands each
 * a block of CLUSTER_SUBNET_PREFIX bits from CLUSTER_SUBNET_SPACE that overlaps no other
 * cluster's pool, and gives it the same block on every later session. So clusters with default
 * settings never share worker subnets and tunnels between them just work.
 *
 * INVARIANT: assignments run one at a time (a promise chain) and each writes its block before the
 * next reads the taken ones, so two clusters never get the same block from this root process.
 * Canopy runs one root process; a cluster announcing its own overlapping pool is caught by the
 * membership rules instead (network_problem).
 */
@Injectable()
export class ClusterPoolService {
  private chain: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: RootConfig,
    private readonly clusters: ClusterRepository,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('ClusterPools');
  }

  /**
   * The pool `cluster` works with: the one it announced; else the one it had (it lost or never
   * stored what it was given); else a new one. '' when the space has no free block.
   */
  effectivePool(cluster: Cluster, announced: string): Promise<string> {
    if (announced !== '') return Promise.resolve(announced);
    if (parseIpv4Cidr(cluster.worker_subnet_pool) !== null) {
      return Promise.resolve(cluster.worker_subnet_pool);
    }
    const next = this.chain.then(() => this.assign(cluster.id));
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async assign(clusterId: string): Promise<string> {
    const all = await this.clusters.list();
    const own = all.find((c) => c.id === clusterId);
    if (own !== undefined && parseIpv4Cidr(own.worker_subnet_pool) !== null) {
      return own.worker_subnet_pool;
    }
    const taken = all.filter((c) => c.id !== clusterId).map((c) => c.worker_subnet_pool);
    const { CLUSTER_SUBNET_SPACE: space, CLUSTER_SUBNET_PREFIX: prefix } = this.config;
    const pool = assignClusterPool(space, prefix, taken);
    if (pool === undefined) {
      this.logger.error(
        { clusterId, space, prefix, clusters: all.length },
        `no free /${prefix} left in CLUSTER_SUBNET_SPACE ${space}: the cluster gets no worker ` +
          'subnet pool (its workers cannot join with networking); widen the space or set ' +
          'WORKER_SUBNET_POOL on the cluster',
      );
      return '';
    }
    await this.clusters.setWorkerSubnetPool(clusterId, pool);
    this.logger.info({ clusterId, pool }, 'worker subnet pool assigned to the cluster');
    return pool;
  }
}
