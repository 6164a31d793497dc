import { Module } from '@nestjs/common';
import { ClusterSessionModule } from '../cluster-session/cluster-session.module';
import { ClustersModule } from '../clusters/clusters.module';
import { ClusterSessionGrpcController } from './cluster-session.grpc-controller';
import { RegistrationGrpcController } from './registration.grpc-controller';

/**
 * The gRPC controllers clusters dial (served by the microservice transport that
 * create-root-app.ts connects: see grpc-server.options.ts).
 */
@Module({
  imports: [ClustersModule, ClusterSessionModule],
  controllers: [RegistrationGrpcController, ClusterSessionGrpcController],
})
export class GrpcModule {}
