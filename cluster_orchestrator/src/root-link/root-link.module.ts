import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { InstancesModule } from '../instances/instances.module';
import { NetworkModule } from '../network/network.module';
import { ReportModule } from '../report/report.module';
import { ClusterIdentityRepository } from './cluster-identity.repository';
import { ClusterIdentityRecord, ClusterIdentitySchema } from './cluster-identity.schema';
import { ClusterStatusController } from './cluster-status.controller';
import { ClusterStatusService } from './cluster-status.service';
import { RegistrationService } from './registration.service';
import { RootGrpcClient } from './root-grpc.client';
import { RootLinkState } from './root-link.state';
import { RootSessionService } from './root-session.service';

/** Registration with the root and the session stream (reference §4; DESIGN.md "Flows"). */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: ClusterIdentityRecord.name, schema: ClusterIdentitySchema },
    ]),
    InstancesModule,
    ReportModule,
    NetworkModule,
  ],
  controllers: [ClusterStatusController],
  providers: [
    ClusterIdentityRepository,
    RootGrpcClient,
    RegistrationService,
    RootLinkState,
    RootSessionService,
    ClusterStatusService,
  ],
  exports: [RootSessionService, RootLinkState, ClusterIdentityRepository],
})
export class RootLinkModule {}
