import { createLogger } from '@canopy/common';
import { createHttpApp } from '@canopy/server';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule, SERVICE_NAME } from './app.module';
import { ApiExceptionFilter } from './common/errors/api-exception.filter';
import { validationExceptionFactory } from './common/errors/validation-exception.factory';
import { setupOpenApi } from './common/openapi/setup-openapi';
import type { RootConfig } from './config/root-config';
import { grpcServerOptions } from './grpc/grpc-server.options';

/** The root app, configured but not listening: shared by main.ts and the integration tests. */
export async function createRootApp(config: RootConfig): Promise<NestExpressApplication> {
  const logger = createLogger({ service: SERVICE_NAME, level: config.LOG_LEVEL });
  const app = await createHttpApp(AppModule.forRoot(config, logger), {
    bodyLimit: config.httpBodyLimitBytes,
    logger,
    validationExceptionFactory,
  });
  // Registered after the shared filter, so it takes precedence: every error gets the API's body.
  app.useGlobalFilters(new ApiExceptionFilter(logger.child({ context: 'ApiExceptionFilter' })));
  // Oakestra's dashboard calls the API from its own origin; Oakestra allows CORS too.
  app.enableCors({ origin: config.corsOrigin, maxAge: 600 });
  setupOpenApi(app);
  // Clusters dial the gRPC port (registration + session); started by app.startAllMicroservices().
  app.connectMicroservice(grpcServerOptions(config));
  return app;
}
