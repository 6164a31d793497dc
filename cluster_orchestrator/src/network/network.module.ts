import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { InstancesModule } from '../instances/instances.module';
import { WorkerLinkModule } from '../worker-link/worker-link.module';
import { WorkersDataModule } from '../workers/workers-data.module';
import { HierarchyLink } from './hierarchy-link';
import { NetInterestRepository } from './net-interest.repository';
import { NetWorkerInterestRecord, NetWorkerInterestSchema } from './net-interest.schema';
import { NetPeersRevisionRepository } from './net-peers-revision.repository';
import { NetPeersStateRecord, NetPeersStateSchema } from './net-peers-revision.schema';
import { PeersPublisher } from './peers-publisher.service';
import { RemoteTablesService } from './remote-tables.service';
import { ServiceReportsService } from './service-reports.service';
import { ServicesPublisher } from './services-publisher.service';
import { WorkerSubnetRepository } from './worker-subnet.repository';
import { WorkerSubnetRecord, WorkerSubnetSchema } from './worker-subnet.schema';
import { WorkerSubnetService } from './worker-subnet.service';
import { WorkerSubnetPool } from './worker-subnet-pool.service';
import {
  ClusterNetworkStateRecord,
  ClusterNetworkStateSchema,
} from './cluster-network-state.schema';

/**
 * The cluster's share of networking: worker subnets, tunnel peer lists (its own workers and,
 * through the root, other clusters'), service tables, table queries and interests.
 */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: WorkerSubnetRecord.name, schema: WorkerSubnetSchema },
      { name: NetPeersStateRecord.name, schema: NetPeersStateSchema },
      { name: NetWorkerInterestRecord.name, schema: NetWorkerInterestSchema },
      { name: ClusterNetworkStateRecord.name, schema: ClusterNetworkStateSchema },
    ]),
    WorkersDataModule,
    WorkerLinkModule,
    InstancesModule,
  ],
  providers: [
    WorkerSubnetRepository,
    WorkerSubnetPool,
    WorkerSubnetService,
    NetPeersRevisionRepository,
    PeersPublisher,
    ServicesPublisher,
    ServiceReportsService,
    HierarchyLink,
    NetInterestRepository,
    RemoteTablesService,
  ],
  exports: [
    WorkerSubnetPool,
    WorkerSubnetService,
    PeersPublisher,
    ServicesPublisher,
    ServiceReportsService,
    HierarchyLink,
    RemoteTablesService,
  ],
})
export class NetworkModule {}
