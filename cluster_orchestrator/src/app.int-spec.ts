import { loadConfig } from '@canopy/common';
import { loadLocalServices, uniqueName, type LocalServices } from '@canopy/testing';
import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Connection } from 'mongoose';
import request from 'supertest';
import { ClusterConfig } from './config/cluster-config';
import { createClusterApp } from './create-cluster-app';

function clusterConfig(
  services: LocalServices,
  overrides: Record<string, string> = {},
): ClusterConfig {
  return loadConfig(ClusterConfig, {
    // A unique cluster name gives a unique default database: canopy_cluster_<name>.
    CLUSTER_NAME: uniqueName('it').replace(/_/g, '-').slice(0, 30),
    CLUSTER_LOCATION: '48.137,11.575,25',
    MONGO_URL: services.mongoUrl,
    REDIS_URL: services.redisUrl,
    MQTT_URL: services.mqttUrl,
    MQTT_USERNAME: services.mqttAdminUsername,
    MQTT_PASSWORD: services.mqttAdminPassword,
    // No root listens there: the cluster keeps retrying in the background, which must not
    // affect its own health (the root link is covered by root-link/root-link.int-spec.ts).
    ROOT_URL: '127.0.0.1:1',
    CLUSTER_JOIN_TOKEN: 'cjt_unused',
    WORKER_JOIN_TOKEN: 'wjt_unused_0123456789',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

async function startApp(config: ClusterConfig): Promise<NestExpressApplication> {
  const app = await createClusterApp(config);
  await app.init();
  return app;
}

async function dropAndClose(app: NestExpressApplication | undefined): Promise<void> {
  if (!app) return;
  await app.get<Connection>(getConnectionToken()).dropDatabase();
  await app.close();
}

describe('cluster_orchestrator app (real FerretDB, Redis and Mosquitto)', () => {
  let services: LocalServices;

  beforeAll(() => {
    services = loadLocalServices();
  });

  describe('with every dependency up', () => {
    let app: NestExpressApplication;
    let config: ClusterConfig;

    beforeAll(async () => {
      config = clusterConfig(services);
      app = await startApp(config);
    });

    afterAll(() => dropAndClose(app));

    it('uses its own database, canopy_cluster_<CLUSTER_NAME>', () => {
      expect(app.get<Connection>(getConnectionToken()).db?.databaseName).toBe(
        `canopy_cluster_${config.CLUSTER_NAME}`,
      );
    });

    it('GET /health → 200 with MongoDB, Redis and MQTT up', async () => {
      const res = await request(app.getHttpServer()).get('/health').expect(200);
      const broker = services.mqttUrl;
      expect(res.body).toEqual({
        status: 'ok',
        info: {
          mongodb: { status: 'up' },
          redis: { status: 'up' },
          mqtt: { status: 'up', broker },
        },
        error: {},
        details: {
          mongodb: { status: 'up' },
          redis: { status: 'up' },
          mqtt: { status: 'up', broker },
        },
      });
      expect(res.text).not.toContain(services.mqttAdminPassword);
    });

    it('GET /metrics → prometheus text with process metrics and canopy_cluster_info', async () => {
      const res = await request(app.getHttpServer()).get('/metrics').expect(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.text).toContain('process_cpu');
      expect(res.text).toContain(
        `canopy_cluster_info{cluster_name="${config.CLUSTER_NAME}",app="canopy_cluster"} 1`,
      );
      expect(res.text).toContain('canopy_cluster_http_request_duration_seconds');
    });

    it('unknown routes → 404', async () => {
      await request(app.getHttpServer()).get('/api/nothing-here').expect(404);
    });

    // The cluster has no POST route yet (the worker handshake comes next). The shared body
    // parser (400 on malformed JSON, 413 over HTTP_BODY_LIMIT) is tested in libs/server
    // create-http-app.spec.ts; assert it here once POST /api/node/register exists.
  });

  describe('with Redis down', () => {
    let app: NestExpressApplication;

    beforeAll(async () => {
      app = await startApp(clusterConfig(services, { REDIS_URL: 'redis://127.0.0.1:1' }));
    });

    afterAll(() => dropAndClose(app));

    it('still starts, and GET /health → 503 with redis down and the rest up', async () => {
      const res = await request(app.getHttpServer()).get('/health').expect(503);
      expect(res.body).toMatchObject({
        status: 'error',
        info: { mongodb: { status: 'up' }, mqtt: { status: 'up' } },
        error: { redis: { status: 'down' } },
      });
    });
  });

  describe('with the MQTT broker unreachable', () => {
    let app: NestExpressApplication;

    beforeAll(async () => {
      app = await startApp(clusterConfig(services, { MQTT_URL: 'mqtt://127.0.0.1:1' }));
    });

    afterAll(() => dropAndClose(app));

    it('still starts, and GET /health → 503 with mqtt down', async () => {
      const res = await request(app.getHttpServer()).get('/health').expect(503);
      expect(res.body).toMatchObject({
        status: 'error',
        error: { mqtt: { status: 'down', broker: 'mqtt://127.0.0.1:1', message: 'not connected' } },
      });
    });
  });
});
