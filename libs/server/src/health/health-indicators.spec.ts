import { HealthIndicatorService } from '@nestjs/terminus';
import type { Redis } from 'ioredis';
import { type Connection, ConnectionStates } from 'mongoose';
import type { MqttClient } from 'mqtt';
import { MongoHealthIndicator } from './mongo-health.indicator';
import { MqttHealthIndicator } from './mqtt-health.indicator';
import { RedisHealthIndicator } from './redis-health.indicator';

const health = new HealthIndicatorService();
const never = <T>() => new Promise<T>(() => undefined);

function fakeConnection(readyState: ConnectionStates, command: () => Promise<unknown>): Connection {
  return { readyState, db: { command } } as unknown as Connection;
}

describe(MongoHealthIndicator.name, () => {
  it('is up when ping answers', async () => {
    const sut = new MongoHealthIndicator(
      fakeConnection(ConnectionStates.connected, async () => ({ ok: 1 })),
      health,
    );
    await expect(sut.check('mongodb', 100)).resolves.toEqual({ mongodb: { status: 'up' } });
  });

  it('is down when ping does not answer within the timeout', async () => {
    const sut = new MongoHealthIndicator(fakeConnection(ConnectionStates.connected, never), health);
    await expect(sut.check('mongodb', 20)).resolves.toEqual({
      mongodb: { status: 'down', message: 'mongodb ping timed out after 20ms' },
    });
  });

  it('is down with the driver error when ping fails', async () => {
    const sut = new MongoHealthIndicator(
      fakeConnection(ConnectionStates.connected, () => Promise.reject(new Error('not primary'))),
      health,
    );
    await expect(sut.check('mongodb', 100)).resolves.toEqual({
      mongodb: { status: 'down', message: 'not primary' },
    });
  });

  it('is down at once, without a command, while not connected', async () => {
    const command = jest.fn();
    const sut = new MongoHealthIndicator(
      fakeConnection(ConnectionStates.connecting, command),
      health,
    );
    await expect(sut.check('mongodb', 100)).resolves.toEqual({
      mongodb: { status: 'down', message: 'not connected (connecting)' },
    });
    expect(command).not.toHaveBeenCalled();
  });
});

describe(RedisHealthIndicator.name, () => {
  const fakeRedis = (status: string, ping: () => Promise<string>) =>
    ({ status, ping }) as unknown as Redis;

  it('is up when PING answers', async () => {
    const sut = new RedisHealthIndicator(
      fakeRedis('ready', async () => 'PONG'),
      health,
    );
    await expect(sut.check('redis', 100)).resolves.toEqual({ redis: { status: 'up' } });
  });

  it('is down when PING does not answer within the timeout', async () => {
    const sut = new RedisHealthIndicator(fakeRedis('ready', never), health);
    await expect(sut.check('redis', 20)).resolves.toEqual({
      redis: { status: 'down', message: 'redis ping timed out after 20ms' },
    });
  });

  it('is down at once, without queueing a PING, while not connected', async () => {
    const ping = jest.fn();
    const sut = new RedisHealthIndicator(fakeRedis('reconnecting', ping), health);
    await expect(sut.check('redis', 100)).resolves.toEqual({
      redis: { status: 'down', message: 'not connected (reconnecting)' },
    });
    expect(ping).not.toHaveBeenCalled();
  });
});

describe(MqttHealthIndicator.name, () => {
  const options = { url: 'mqtt://cluster:s3cret@broker:1883', clientIdPrefix: 'x' };

  it('follows the client connection and never shows credentials', async () => {
    const client = { connected: true } as MqttClient;
    const sut = new MqttHealthIndicator(client, options, health);
    await expect(sut.check('mqtt', 100)).resolves.toEqual({
      mqtt: { status: 'up', broker: 'mqtt://broker:1883' },
    });
    client.connected = false;
    await expect(sut.check('mqtt', 100)).resolves.toEqual({
      mqtt: { status: 'down', broker: 'mqtt://broker:1883', message: 'not connected' },
    });
  });
});
