import { type DynamicModule, Global, Module } from '@nestjs/common';
import { ClusterConfig } from './cluster-config';

/** Makes the validated ClusterConfig injectable by class everywhere in the app. */
@Global()
@Module({})
export class ClusterConfigModule {
  static forRoot(config: ClusterConfig): DynamicModule {
    return {
      module: ClusterConfigModule,
      providers: [{ provide: ClusterConfig, useValue: config }],
      exports: [ClusterConfig],
    };
  }
}
