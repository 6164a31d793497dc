import { Module } from '@nestjs/common';
import { ClustersDataModule } from '../clusters/clusters-data.module';
import { NetworkInterestModule } from '../network-interest/network-interest.module';
import { ServicesDataModule } from '../services/services-data.module';
import { ClusterCommandsService } from './cluster-commands.service';
import { ClusterSessionService } from './cluster-session.service';
import { SessionRegistry } from './session-registry';

/** Cluster sessions (the root's end of ClusterSession.Connect) and the commands sent on them. */
@Module({
  imports: [ClustersDataModule, ServicesDataModule, NetworkInterestModule],
  providers: [SessionRegistry, ClusterCommandsService, ClusterSessionService],
  exports: [SessionRegistry, ClusterCommandsService, ClusterSessionService],
})
export class ClusterSessionModule {}
