import { loadConfig } from '@canopy/common';
import { loadLocalServices, uniqueName, type LocalServices } from '@canopy/testing';
import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Connection } from 'mongoose';
import { Redis } from 'ioredis';
import request from 'supertest';
import { RootConfig } from './config/root-config';
import { createRootApp } from './create-root-app';
import { purgeRedisPrefix } from './testing/root-test-app';

function rootConfig(
  services: LocalServices,
  database: string,
  overrides: Record<string, string> = {},
): RootConfig {
  return loadConfig(RootConfig, {
    MONGO_URL: `${services.mongoUrl}/${database}`,
    REDIS_URL: services.redisUrl,
    LOG_LEVEL: 'silent',
    ADMIN_PASSWORD: 'admin-password-for-tests',
    BCRYPT_ROUNDS: '4',
    BULLMQ_PREFIX: uniqueName('bull'),
    ...overrides,
  });
}

async function startApp(config: RootConfig): Promise<NestExpressApplication> {
  const app = await createRootApp(config);
  await app.init();
  return app;
}

async function dropAndClose(app: NestExpressApplication | undefined): Promise<void> {
  if (!app) return;
  await app.get<Connection>(getConnectionToken()).dropDatabase();
  await app.close();
  const redis = new Redis(loadLocalServices().redisUrl, { maxRetriesPerRequest: null });
  try {
    await purgeRedisPrefix(redis, app.get(RootConfig).BULLMQ_PREFIX);
  } finally {
    await redis.quit();
  }
}

describe('root_orchestrator app (real FerretDB and Redis)', () => {
  let services: LocalServices;

  beforeAll(() => {
    services = loadLocalServices();
  });

  describe('with every dependency up', () => {
    let app: NestExpressApplication;
    const database = uniqueName('root');

    beforeAll(async () => {
      app = await startApp(rootConfig(services, database));
    });

    afterAll(() => dropAndClose(app));

    it('uses the database named in MONGO_URL', () => {
      expect(app.get<Connection>(getConnectionToken()).db?.databaseName).toBe(database);
    });

    it('GET /health → 200 with MongoDB and Redis up, and nothing else', async () => {
      const res = await request(app.getHttpServer()).get('/health').expect(200);
      expect(res.body).toEqual({
        status: 'ok',
        info: { mongodb: { status: 'up' }, redis: { status: 'up' } },
        error: {},
        details: { mongodb: { status: 'up' }, redis: { status: 'up' } },
      });
    });

    it('GET /metrics → prometheus text with process and app metrics', async () => {
      await request(app.getHttpServer()).get('/health').expect(200);
      const res = await request(app.getHttpServer()).get('/metrics').expect(200);
      expect(res.headers['content-type']).toContain('text/plain');
      expect(res.text).toContain('process_cpu');
      expect(res.text).toMatch(
        /canopy_root_http_request_duration_seconds_count\{app="canopy_root",method="GET",route="\/health",status_code="200"\} \d+/,
      );
    });

    it('unknown routes → 404', async () => {
      await request(app.getHttpServer()).get('/api/nothing-here').expect(404);
    });

    // Malformed JSON (400), HTTP_BODY_LIMIT (413) and the API's error body are asserted on real
    // routes in root-api.lifecycle.int-spec.ts.
  });

  describe('with Redis down', () => {
    let app: NestExpressApplication;

    beforeAll(async () => {
      app = await startApp(
        rootConfig(services, uniqueName('root'), { REDIS_URL: 'redis://127.0.0.1:1' }),
      );
    });

    afterAll(() => dropAndClose(app));

    it('still starts, and GET /health → 503 with redis down and mongodb up', async () => {
      const res = await request(app.getHttpServer()).get('/health').expect(503);
      expect(res.body).toMatchObject({
        status: 'error',
        info: { mongodb: { status: 'up' } },
        error: { redis: { status: 'down' } },
      });
    });
  });
});
