import { Module } from '@nestjs/common';
import { MongooseModule } from '@nestjs/mongoose';
import { ClusterRepository } from './cluster.repository';
import { ClusterRecord, ClusterSchema } from './cluster.schema';
import { JoinTokenRepository } from './join-token.repository';
import { JoinTokenRecord, JoinTokenSchema } from './join-token.schema';

/** The `clusters` and `cluster_join_tokens` collections and their repositories. */
@Module({
  imports: [
    MongooseModule.forFeature([
      { name: ClusterRecord.name, schema: ClusterSchema },
      { name: JoinTokenRecord.name, schema: JoinTokenSchema },
    ]),
  ],
  providers: [ClusterRepository, JoinTokenRepository],
  exports: [ClusterRepository, JoinTokenRepository],
})
export class ClustersDataModule {}
