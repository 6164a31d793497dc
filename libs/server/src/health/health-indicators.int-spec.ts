import { loadLocalServices, uniqueName, type LocalServices } from '@canopy/testing';
import { HealthIndicatorService } from '@nestjs/terminus';
import mongoose, { type Connection } from 'mongoose';
import type { MqttClient } from 'mqtt';
import type { Redis } from 'ioredis';
import type { EventLogger } from '../logging/event-logger';
import { createMqttClient } from '../mqtt/create-mqtt-client';
import { closeRedisClient, createRedisClient } from '../redis/create-redis-client';
import { MongoHealthIndicator } from './mongo-health.indicator';
import { MqttHealthIndicator } from './mqtt-health.indicator';
import { RedisHealthIndicator } from './redis-health.indicator';

const CLOSED_PORT = '127.0.0.1:1';
const TIMEOUT_MS = 1_000;
const quiet: EventLogger = { info: () => undefined, warn: () => undefined, debug: () => undefined };

/** Runs a check and measures it: "down" must be reported fast, within the check's timeout. */
async function timed<T>(fn: () => Promise<T>): Promise<{ result: T; ms: number }> {
  const started = Date.now();
  const result = await fn();
  return { result, ms: Date.now() - started };
}

function waitFor(client: MqttClient, event: 'connect'): Promise<void> {
  return new Promise((resolve) => client.once(event, () => resolve()));
}

describe('health indicators against real services', () => {
  let services: LocalServices;
  const health = new HealthIndicatorService();

  beforeAll(() => {
    services = loadLocalServices();
  });

  describe(MongoHealthIndicator.name, () => {
    let up: Connection;
    let down: Connection;

    beforeAll(async () => {
      up = await mongoose
        .createConnection(services.mongoUrl, { dbName: uniqueName('server') })
        .asPromise();
      down = mongoose.createConnection(`mongodb://${CLOSED_PORT}`, {
        serverSelectionTimeoutMS: 500,
      });
      down.asPromise().catch(() => undefined); // the failure is the point
    });

    afterAll(async () => {
      await up.dropDatabase();
      await up.close();
      await down.close().catch(() => undefined);
    });

    it('is up when the server answers ping', async () => {
      const { result } = await timed(() =>
        new MongoHealthIndicator(up, health).check('mongodb', TIMEOUT_MS),
      );
      expect(result).toEqual({ mongodb: { status: 'up' } });
    });

    it('is down, fast, when the server cannot be reached', async () => {
      const { result, ms } = await timed(() =>
        new MongoHealthIndicator(down, health).check('mongodb', TIMEOUT_MS),
      );
      expect(result).toEqual({
        mongodb: { status: 'down', message: expect.stringMatching(/not connected/) },
      });
      expect(ms).toBeLessThanOrEqual(TIMEOUT_MS);
    });

    it('is down when the connection has been closed', async () => {
      const closed = await mongoose.createConnection(services.mongoUrl).asPromise();
      await closed.close();
      const { result } = await timed(() =>
        new MongoHealthIndicator(closed, health).check('db', TIMEOUT_MS),
      );
      expect(result).toEqual({ db: { status: 'down', message: 'not connected (disconnected)' } });
    });
  });

  describe(RedisHealthIndicator.name, () => {
    let up: Redis;
    let down: Redis;

    beforeAll(async () => {
      up = createRedisClient({ url: services.redisUrl }, quiet);
      await up.connect();
      down = createRedisClient({ url: `redis://${CLOSED_PORT}` }, quiet);
      down.connect().catch(() => undefined);
    });

    afterAll(async () => {
      await closeRedisClient(up);
      await closeRedisClient(down);
    });

    it('is up when PING answers', async () => {
      const { result } = await timed(() =>
        new RedisHealthIndicator(up, health).check('redis', TIMEOUT_MS),
      );
      expect(result).toEqual({ redis: { status: 'up' } });
    });

    it('is down, fast, when Redis cannot be reached', async () => {
      const { result, ms } = await timed(() =>
        new RedisHealthIndicator(down, health).check('redis', TIMEOUT_MS),
      );
      expect(result).toEqual({
        redis: { status: 'down', message: expect.stringMatching(/^not connected/) },
      });
      expect(ms).toBeLessThanOrEqual(TIMEOUT_MS);
    });

    it('closes a client that is between reconnect attempts at once, and it stays closed', async () => {
      const client = createRedisClient({ url: `redis://${CLOSED_PORT}` }, quiet);
      await client.connect().catch(() => undefined);
      const reconnects = jest.fn();
      const { ms } = await timed(() => closeRedisClient(client));
      client.on('connecting', reconnects);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(ms).toBeLessThan(100);
      expect(reconnects).not.toHaveBeenCalled();
    });

    it('closes cleanly', async () => {
      const client = createRedisClient({ url: services.redisUrl }, quiet);
      await client.connect();
      await closeRedisClient(client);
      expect(client.status).toBe('end');
    });
  });

  describe(MqttHealthIndicator.name, () => {
    let up: MqttClient;
    let down: MqttClient;
    const credentials = () => ({
      username: services.mqttAdminUsername,
      password: services.mqttAdminPassword,
    });
    const brokerOf = (url: string) => url.replace(/^mqtt:\/\/[^@]*@/, 'mqtt://');

    beforeAll(async () => {
      // Credentials in the URL too, to prove they never reach the health details.
      const withUserInUrl = services.mqttUrl.replace(
        'mqtt://',
        `mqtt://${encodeURIComponent(services.mqttAdminUsername)}@`,
      );
      up = createMqttClient(
        { url: withUserInUrl, clientIdPrefix: 'canopy-test', ...credentials() },
        quiet,
      );
      await waitFor(up, 'connect');
      down = createMqttClient(
        { url: `mqtt://${CLOSED_PORT}`, clientIdPrefix: 'canopy-test' },
        quiet,
      );
    });

    afterAll(async () => {
      await up.endAsync(true);
      await down.endAsync(true);
    });

    it('is up while connected, and names the broker without credentials', async () => {
      const url = services.mqttUrl.replace(
        'mqtt://',
        `mqtt://${encodeURIComponent(services.mqttAdminUsername)}@`,
      );
      const { result } = await timed(() =>
        new MqttHealthIndicator(up, { url, clientIdPrefix: 'x' }, health).check('mqtt', TIMEOUT_MS),
      );
      expect(result).toEqual({ mqtt: { status: 'up', broker: brokerOf(services.mqttUrl) } });
      expect(JSON.stringify(result)).not.toContain(services.mqttAdminUsername);
    });

    it('is down, fast, when the broker cannot be reached', async () => {
      const url = `mqtt://${CLOSED_PORT}`;
      const { result, ms } = await timed(() =>
        new MqttHealthIndicator(down, { url, clientIdPrefix: 'x' }, health).check(
          'mqtt',
          TIMEOUT_MS,
        ),
      );
      expect(result).toEqual({ mqtt: { status: 'down', broker: url, message: 'not connected' } });
      expect(ms).toBeLessThanOrEqual(TIMEOUT_MS);
    });

    it('is down when the broker rejects the credentials', async () => {
      const url = services.mqttUrl;
      const rejected = createMqttClient(
        { url, clientIdPrefix: 'canopy-test', username: 'nobody', password: 'wrong' },
        quiet,
      );
      await new Promise((resolve) => rejected.once('error', resolve));
      const { result } = await timed(() =>
        new MqttHealthIndicator(rejected, { url, clientIdPrefix: 'x' }, health).check(
          'mqtt',
          TIMEOUT_MS,
        ),
      );
      expect(result).toEqual({ mqtt: { status: 'down', broker: url, message: 'not connected' } });
      await rejected.endAsync(true);
    });
  });
});
