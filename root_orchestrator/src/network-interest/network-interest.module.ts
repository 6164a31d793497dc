import { Module } from '@nestjs/common';
import { ClustersDataModule } from '../clusters/clusters-data.module';
import { ServicesDataModule } from '../services/services-data.module';
import { ClusterPoolService } from './cluster-pool.service';
import { NetworkInterestService } from './network-interest.service';

/**
 * Hierarchy-wide service tables and tunnel peers for cluster sessions. Depends on data modules
 * only, so the session module and the services that change tables can all import it.
 */
@Module({
  imports: [ClustersDataModule, ServicesDataModule],
  providers: [NetworkInterestService, ClusterPoolService],
  exports: [NetworkInterestService, ClusterPoolService],
})
export class NetworkInterestModule {}
