import { Global, type INestApplication, Module } from '@nestjs/common';
import { getConnectionToken } from '@nestjs/mongoose';
import { Test } from '@nestjs/testing';
import { ConnectionStates } from 'mongoose';
import request from 'supertest';
import { MQTT_CLIENT, MQTT_OPTIONS } from '../mqtt/mqtt.tokens';
import { REDIS_CLIENT } from '../redis/redis.tokens';
import { HealthChecksModule } from './health-checks.module';
import type { DependencyName } from './health.tokens';

// Stand-ins for the clients the global modules would provide; the real ones are covered by
// health-indicators.int-spec.ts.
const mongo = { readyState: ConnectionStates.connected, db: { command: async () => ({ ok: 1 }) } };
const redis = { status: 'ready', ping: async () => 'PONG' };
const mqtt = { connected: true };

/** What MongooseModule, RedisModule and MqttClientModule provide globally in an app. */
@Global()
@Module({
  providers: [
    { provide: getConnectionToken(), useValue: mongo },
    { provide: REDIS_CLIENT, useValue: redis },
    { provide: MQTT_CLIENT, useValue: mqtt },
    { provide: MQTT_OPTIONS, useValue: { url: 'mqtt://broker:1883', clientIdPrefix: 'x' } },
  ],
  exports: [getConnectionToken(), REDIS_CLIENT, MQTT_CLIENT, MQTT_OPTIONS],
})
class FakeClientsModule {}

async function appWith(checks: DependencyName[]): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [FakeClientsModule, HealthChecksModule.forRoot({ checks, timeoutMs: 50 })],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe(HealthChecksModule.name, () => {
  afterEach(() => {
    redis.status = 'ready';
  });

  it('lists exactly the configured dependencies, 200 when all are up', async () => {
    const app = await appWith(['mongodb', 'redis']);
    const res = await request(app.getHttpServer()).get('/health').expect(200);
    expect(res.body).toEqual({
      status: 'ok',
      info: { mongodb: { status: 'up' }, redis: { status: 'up' } },
      error: {},
      details: { mongodb: { status: 'up' }, redis: { status: 'up' } },
    });
    await app.close();
  });

  it('answers 503 and marks the failing dependency down', async () => {
    const app = await appWith(['mongodb', 'redis', 'mqtt']);
    redis.status = 'reconnecting';
    const res = await request(app.getHttpServer()).get('/health').expect(503);
    expect(res.body).toEqual({
      status: 'error',
      info: { mongodb: { status: 'up' }, mqtt: { status: 'up', broker: 'mqtt://broker:1883' } },
      error: { redis: { status: 'down', message: 'not connected (reconnecting)' } },
      details: {
        mongodb: { status: 'up' },
        redis: { status: 'down', message: 'not connected (reconnecting)' },
        mqtt: { status: 'up', broker: 'mqtt://broker:1883' },
      },
    });
    await app.close();
  });
});
