import { type DynamicModule, Global, Module } from '@nestjs/common';
import { RootConfig } from './root-config';

/** Makes the validated RootConfig injectable by class everywhere in the app. */
@Global()
@Module({})
export class RootConfigModule {
  static forRoot(config: RootConfig): DynamicModule {
    return {
      module: RootConfigModule,
      providers: [{ provide: RootConfig, useValue: config }],
      exports: [RootConfig],
    };
  }
}
