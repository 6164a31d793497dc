import { failFast, loadConfig } from '@canopy/common';
import { bootstrapHttpApp } from '@canopy/server';
import { SERVICE_NAME } from './app.module';
import { ClusterConfig } from './config/cluster-config';
import { createClusterApp } from './create-cluster-app';

// Configuration is checked before Nest starts: a typo exits at once with a readable list
// instead of a half-started server or a stack trace.
const config = failFast(SERVICE_NAME, () => loadConfig(ClusterConfig));

void failFast(SERVICE_NAME, async () => {
  const app = await createClusterApp(config);
  await bootstrapHttpApp(app, { host: config.CLUSTER_HTTP_HOST, port: config.CLUSTER_HTTP_PORT });
});
