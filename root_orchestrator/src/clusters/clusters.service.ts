import type { ClusterView, MessageDto } from '@canopy/contracts';
import { Injectable } from '@nestjs/common';
import { PinoLogger } from 'nestjs-pino';
import { requireAdmin } from '../auth/policies';
import type { Principal } from '../auth/principal';
import { SessionRegistry } from '../cluster-session/session-registry';
import { NotFoundError } from '../common/errors/domain-errors';
import { ClusterFailoverService } from './cluster-failover.service';
import { ClusterRepository } from './cluster.repository';
import { toClusterView } from './cluster.presenter';

export const CLUSTER_NOT_FOUND = 'Cluster not found';

/** The cluster list (Oakestra: no authentication on the two GET routes) and removal (Admin). */
@Injectable()
export class ClustersService {
  constructor(
    private readonly clusters: ClusterRepository,
    private readonly sessions: SessionRegistry,
    private readonly failover: ClusterFailoverService,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext('Clusters');
  }

  /**
   * Forgets a cluster: the record goes first (its secret no longer authenticates), then its
   * session is closed and its instances are queued for other clusters. If the cluster process
   * still runs, it registers again with its join token, as a new cluster.
   */
  async remove(principal: Principal, id: string): Promise<MessageDto> {
    requireAdmin(principal);
    const cluster = await this.clusters.findById(id);
    if (!cluster || !(await this.clusters.delete(id))) throw new NotFoundError(CLUSTER_NOT_FOUND);
    this.sessions.get(id)?.close('cluster removed by an Admin');
    const moved = await this.failover.reschedule(
      cluster,
      `rescheduling: cluster ${cluster.cluster_name} was removed`,
    );
    this.logger.warn(
      { clusterId: id, name: cluster.cluster_name, by: principal.username, moved },
      'cluster removed',
    );
    return { message: 'Cluster removed' };
  }

  async list(): Promise<ClusterView[]> {
    const now = new Date();
    return (await this.clusters.list()).map((c) => toClusterView(c, now));
  }

  async listActive(): Promise<ClusterView[]> {
    return (await this.list()).filter((c) => c.active);
  }
}
