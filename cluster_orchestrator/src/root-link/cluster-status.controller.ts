import { ClusterRoute } from '@canopy/contracts';
import { Controller, Get } from '@nestjs/common';
import { type ClusterStatusView, ClusterStatusService } from './cluster-status.service';

/** Oakestra's `GET /api/cluster/status` (reference §4.2): registration and session state. */
@Controller()
export class ClusterStatusController {
  constructor(private readonly status: ClusterStatusService) {}

  @Get(ClusterRoute.CLUSTER_STATUS)
  get(): Promise<ClusterStatusView> {
    return this.status.get();
  }
}
