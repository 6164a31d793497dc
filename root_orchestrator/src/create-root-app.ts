import { createLogger } from '@canopy/common';
import { createHttpApp } from '@canopy/server';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule, SERVICE_NAME } from './app.module';
import type { RootConfig } from './config/root-config';

/** The root app, configured but not listening: shared by main.ts and the integration tests. */
export function createRootApp(config: RootConfig): Promise<NestExpressApplication> {
  const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  return createHttpApp(AppModule.forRoot(config, logger), {
    bodyLimit: config.httpBodyLimitBytes,
    logger,
  });
}
