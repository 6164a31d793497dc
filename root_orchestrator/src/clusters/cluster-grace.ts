import { Injectable } from '@nestjs/common';
import { RootConfig } from '../config/root-config';
import { graceExpired, type Liveness } from './cluster-liveness';

/**
 * Whether an inactive cluster's CLUSTER_RESCHEDULE_GRACE is over: its instances are then placed
 * elsewhere and it leaves the other clusters' service tables and tunnel peers. One instance per
 * root process, so the failover and the network agree on the moment.
 */
@Injectable()
export class ClusterGrace {
  /**
   * Only inactivity this process has watched counts: while the root was down it could not tell
   * a dead cluster from its own absence, so after a root (re)start every cluster gets a full
   * grace to reconnect.
   */
  private readonly watchingSince = new Date();

  constructor(private readonly config: RootConfig) {}

  get graceMs(): number {
    return this.config.clusterRescheduleGraceMs;
  }

  expired(liveness: Liveness, now: Date): boolean {
    return graceExpired(liveness, this.graceMs, now, this.watchingSince);
  }
}
