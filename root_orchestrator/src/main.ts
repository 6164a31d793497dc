import { failFast, loadConfig } from '@canopy/common';
import { bootstrapHttpApp } from '@canopy/server';
import { SERVICE_NAME } from './app.module';
import { RootConfig } from './config/root-config';
import { createRootApp } from './create-root-app';

// Configuration is checked before Nest starts: a typo exits at once with a readable list
// instead of a half-started server or a stack trace.
const config = failFast(SERVICE_NAME, () => loadConfig(RootConfig));

void failFast(SERVICE_NAME, async () => {
  const app = await createRootApp(config);
  await app.startAllMicroservices(); // the cluster gRPC port
  await bootstrapHttpApp(app, { host: config.ROOT_HTTP_HOST, port: config.ROOT_HTTP_PORT });
});
