import { failFast, loadConfig } from '@canopy/common';
import { bootstrapHttpApp } from '@canopy/server';
import { SERVICE_NAME } from './app.module';
import { ClusterConfig } from './config/cluster-config';
import { createClusterApp } from './create-cluster-app';
import { EXIT_REGISTRATION_REFUSED } from './root-link/registration.rules';
import { RootSessionService } from './root-link/root-session.service';

// Configuration is checked before Nest starts: a typo exits at once with a readable list
// instead of a half-started server or a stack trace.
const config = failFast(SERVICE_NAME, () => loadConfig(ClusterConfig));

void failFast(SERVICE_NAME, async () => {
  const app = await createClusterApp(config);
  await bootstrapHttpApp(app, { host: config.CLUSTER_HTTP_HOST, port: config.CLUSTER_HTTP_PORT });
  // The root refused this cluster (bad or revoked join token, wrong identity): retrying cannot
  // help, so stop with a distinct exit code after a clean shutdown. The reason is logged.
  void app.get(RootSessionService).fatal.then(async (error) => {
    process.stderr.write(`Canopy ${SERVICE_NAME} stopped: ${error.message}\n`);
    await app.close().catch(() => undefined);
    process.exit(EXIT_REGISTRATION_REFUSED);
  });
});
