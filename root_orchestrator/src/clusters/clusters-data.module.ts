import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ClusterGrace } from './cluster-grace';
import { ClusterRepository } from './cluster.repository';
import { ClusterRecord, ClusterSchema } from './cluster.schema';
import { JoinTokenRepository } from './join-token.repository';
import { JoinTokenRecord, JoinTokenSchema } from './join-token.schema';

/** The `clusters` and `cluster_join_tokens` collections, their repositories, and the grace judge. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: ClusterRecord.name, schema: ClusterSchema },
      { name: JoinTokenRecord.name, schema: JoinTokenSchema },
    ]),
  ],
  providers: [ClusterRepository, JoinTokenRepository, ClusterGrace],
  exports: [ClusterRepository, JoinTokenRepository, ClusterGrace],
})
export class ClustersDataModule {}
