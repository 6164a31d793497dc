import { ClusterRoute } from '@canopy/contracts';
import { Controller, Get } from '@nestjs/common';
import { type WorkerView, WorkersService } from './workers.service';

/** Canopy: the workers of this cluster, their capacity, free amounts and liveness. */
@Controller()
export class WorkersController {
  constructor(private readonly workers: WorkersService) {}

  @Get(ClusterRoute.WORKERS)
  list(): Promise<WorkerView[]> {
    return this.workers.list();
  }
}
