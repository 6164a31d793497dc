import { Module } from '@nestjs/common';
import { ClusterSessionModule } from '../cluster-session/cluster-session.module';
import { ServicesDataModule } from '../services/services-data.module';
import { ClusterPlacementService } from './cluster-placement.service';
import { ClustersDataModule } from './clusters-data.module';

/** The root scheduler's placement of one instance over the clusters (used by scheduling). */
@Module({
  imports: [ClustersDataModule, ServicesDataModule, ClusterSessionModule],
  providers: [ClusterPlacementService],
  exports: [ClusterPlacementService],
})
export class ClusterPlacementModule {}
