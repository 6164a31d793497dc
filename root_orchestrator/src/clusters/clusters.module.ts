import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ClusterSessionModule } from '../cluster-session/cluster-session.module';
import { SchedulingModule } from '../scheduling/scheduling.module';
import { ServicesDataModule } from '../services/services-data.module';
import { ClusterFailoverService } from './cluster-failover.service';
import { ClusterRegistrationService } from './cluster-registration.service';
import { ClustersController, ClusterAdminController } from './clusters.controller';
import { ClustersDataModule } from './clusters-data.module';
import { ClustersService } from './clusters.service';
import { JoinTokensService } from './join-tokens.service';
import { NetworkInterestModule } from '../network-interest/network-interest.module';

/** The root's cluster registry: REST views, join tokens, registration rules, failover. */
@Module({
  imports: [
    AuthModule,
    ClustersDataModule,
    ClusterSessionModule,
    ServicesDataModule,
    SchedulingModule,
    NetworkInterestModule,
  ],
  controllers: [ClustersController, ClusterAdminController],
  providers: [
    ClustersService,
    JoinTokensService,
    ClusterRegistrationService,
    ClusterFailoverService,
  ],
  exports: [ClusterRegistrationService, JoinTokensService],
})
export class ClustersModule {}
