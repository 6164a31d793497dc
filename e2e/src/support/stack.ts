import { join } from 'node:path';
import { freePort, loadLocalServices, ManagedProcess, uniqueName } from '@canopy/testing';

/** The join token every e2e cluster accepts from workers. */
export const E2E_WORKER_JOIN_TOKEN = 'wjt_e2e_0123456789abcdef';

export const REPO = join(__dirname, '..', '..', '..');
export const dist = (app: string): string => join(REPO, 'dist', app, 'main.js');

/** Env for a root orchestrator on free ports with a database of its own. */
export type RootEnv = Record<
  'ROOT_HTTP_HOST' | 'ROOT_HTTP_PORT' | 'ROOT_GRPC_PORT' | 'MONGO_URL' | 'REDIS_URL' | 'LOG_LEVEL',
  string
>;
export type ClusterEnv = Record<
  | 'CLUSTER_NAME'
  | 'CLUSTER_LOCATION'
  | 'CLUSTER_HTTP_HOST'
  | 'CLUSTER_HTTP_PORT'
  | 'MONGO_URL'
  | 'REDIS_URL'
  | 'MQTT_URL'
  | 'MQTT_USERNAME'
  | 'MQTT_PASSWORD'
  | 'ROOT_URL'
  | 'CLUSTER_JOIN_TOKEN'
  | 'WORKER_JOIN_TOKEN'
  | 'LOG_LEVEL',
  string
>;

export async function rootEnv(): Promise<RootEnv> {
  const s = loadLocalServices();
  return {
    ROOT_HTTP_HOST: '127.0.0.1',
    ROOT_HTTP_PORT: String(await freePort()),
    ROOT_GRPC_PORT: String(await freePort()),
    MONGO_URL: `${s.mongoUrl}/${uniqueName('e2e_root')}`,
    REDIS_URL: s.redisUrl,
    LOG_LEVEL: 'info',
  };
}

/**
 * Env for a cluster orchestrator on a free port with a database of its own. Without `root` it
 * dials a closed port (and keeps retrying in the background: its own health is unaffected).
 */
export async function clusterEnv(
  name = 'cluster1',
  root: { url: string; token: string } = { url: '127.0.0.1:1', token: 'cjt_e2e_unused' },
): Promise<ClusterEnv> {
  const s = loadLocalServices();
  return {
    ROOT_URL: root.url,
    CLUSTER_JOIN_TOKEN: root.token,
    WORKER_JOIN_TOKEN: E2E_WORKER_JOIN_TOKEN,
    CLUSTER_NAME: name,
    CLUSTER_LOCATION: '48.1374,11.5755,25',
    CLUSTER_HTTP_HOST: '127.0.0.1',
    CLUSTER_HTTP_PORT: String(await freePort()),
    MONGO_URL: `${s.mongoUrl}/${uniqueName('e2e_cluster')}`,
    REDIS_URL: s.redisUrl,
    MQTT_URL: s.mqttUrl,
    MQTT_USERNAME: s.mqttAdminUsername,
    MQTT_PASSWORD: s.mqttAdminPassword,
    LOG_LEVEL: 'info',
  };
}

export function startApp(
  app: 'root_orchestrator' | 'cluster_orchestrator',
  env: Record<string, string>,
  port: string,
): Promise<ManagedProcess> {
  return ManagedProcess.start({
    name: app,
    command: process.execPath,
    args: [dist(app)],
    cwd: REPO,
    env,
    readyUrl: `http://127.0.0.1:${port}/health`,
  });
}
