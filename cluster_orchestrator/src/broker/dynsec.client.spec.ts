import { EventEmitter } from 'node:events';
import type { MqttClient } from 'mqtt';
import type { PinoLogger } from 'nestjs-pino';
import { BrokerAdminError, BrokerAdminUnavailableError, DynsecClient } from './dynsec.client';
import { DYNSEC_COMMAND_TOPIC, DYNSEC_RESPONSE_TOPIC } from './dynsec.constants';

interface SentCommand {
  command: string;
  correlationData: string;
  [field: string]: unknown;
}

/**
 * Stands in for mqtt.js to drive the correlation logic deterministically; the broker's real
 * behaviour is covered by worker-credentials.int-spec.ts against Mosquitto.
 */
class FakeMqtt extends EventEmitter {
  connected = true;
  subscriptions: string[] = [];
  sent: SentCommand[] = [];
  refuseSubscribe = false;
  private read = 0;

  subscribeAsync(topic: string): Promise<unknown> {
    this.subscriptions.push(topic);
    return this.refuseSubscribe
      ? Promise.reject(new Error('Subscribe error: Not authorized'))
      : Promise.resolve([{ topic, qos: 1 }]);
  }

  publishAsync(topic: string, payload: string): Promise<undefined> {
    expect(topic).toBe(DYNSEC_COMMAND_TOPIC);
    const batch = JSON.parse(payload) as { commands: SentCommand[] };
    this.sent.push(...batch.commands);
    return Promise.resolve(undefined);
  }

  respond(responses: unknown): void {
    this.emit('message', DYNSEC_RESPONSE_TOPIC, Buffer.from(JSON.stringify({ responses })));
  }

  /** The next command sent and not read yet, once the client's async send chain has run. */
  async nextSent(): Promise<SentCommand> {
    for (let i = 0; i < 20 && this.sent.length <= this.read; i++) await Promise.resolve();
    const next = this.sent[this.read];
    if (!next) throw new Error('nothing new was sent');
    this.read += 1;
    return next;
  }
}

function stubLogger(): PinoLogger & { warn: jest.Mock } {
  const logger = { setContext: jest.fn(), debug: jest.fn(), info: jest.fn(), warn: jest.fn() };
  return logger as unknown as PinoLogger & { warn: jest.Mock };
}

describe(DynsecClient.name, () => {
  let mqtt: FakeMqtt;
  let logger: ReturnType<typeof stubLogger>;
  let client: DynsecClient;

  beforeEach(() => {
    mqtt = new FakeMqtt();
    logger = stubLogger();
    client = new DynsecClient(mqtt as unknown as MqttClient, logger);
  });

  afterEach(() => {
    client.onModuleDestroy();
    jest.useRealTimers();
  });

  it('resolves with the data of the answer carrying its correlationData, ignoring others', async () => {
    const result = client.getRole('r');
    const sent = await mqtt.nextSent();
    expect(sent).toEqual({
      command: 'getRole',
      rolename: 'r',
      correlationData: expect.any(String),
    });
    mqtt.respond([
      { command: 'getRole', error: 'Role not found', correlationData: 'someone-else' },
      {
        command: 'getRole',
        data: { role: { rolename: 'r', acls: [] } },
        correlationData: sent.correlationData,
      },
    ]);
    await expect(result).resolves.toEqual({ rolename: 'r', acls: [] });
  });

  it('subscribes to the response topic once for many commands', async () => {
    for (let i = 0; i < 3; i++) {
      const done = client.deleteRole(`r${i}`);
      mqtt.respond([
        { command: 'deleteRole', correlationData: (await mqtt.nextSent()).correlationData },
      ]);
      await expect(done).resolves.toBe(true);
    }
    expect(mqtt.subscriptions).toEqual([DYNSEC_RESPONSE_TOPIC]);
  });

  it('rejects with BrokerAdminError carrying the broker error text', async () => {
    const result = client.addRoleAcl('r', {
      acltype: 'publishClientSend',
      topic: 'x',
      allow: true,
    });
    const { correlationData } = await mqtt.nextSent();
    mqtt.respond([
      { command: 'addRoleACL', error: 'ACL with this topic already exists', correlationData },
    ]);
    const error = await result.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerAdminError);
    expect(error).toMatchObject({
      command: 'addRoleACL',
      brokerError: 'ACL with this topic already exists',
    });
  });

  it('turns the "already exists" and "not found" answers into false', async () => {
    const created = client.createClient({ username: 'u', password: 'p', rolenames: ['r'] });
    mqtt.respond([
      {
        command: 'createClient',
        error: 'Client already exists',
        correlationData: (await mqtt.nextSent()).correlationData,
      },
    ]);
    await expect(created).resolves.toBe(false);
    const role = client.getRole('r');
    mqtt.respond([
      {
        command: 'getRole',
        error: 'Role not found',
        correlationData: (await mqtt.nextSent()).correlationData,
      },
    ]);
    await expect(role).resolves.toBeNull();
  });

  it('ignores malformed payloads (logged) and still settles on the real answer', async () => {
    const result = client.deleteClient('u');
    const { correlationData } = await mqtt.nextSent();
    mqtt.emit('message', DYNSEC_RESPONSE_TOPIC, Buffer.from('{"responses":'));
    mqtt.emit('message', DYNSEC_RESPONSE_TOPIC, Buffer.from('[1,2]'));
    mqtt.respond([{ command: 'deleteClient', error: 17, correlationData }]);
    mqtt.emit('message', 'nodes/w1/information', Buffer.from('not for us'));
    expect(logger.warn).toHaveBeenCalledTimes(2);
    mqtt.respond([{ command: 'deleteClient', correlationData }]);
    await expect(result).resolves.toBe(true);
  });

  it('times out after 5 s with a message that says what to check', async () => {
    jest.useFakeTimers();
    const result = client.deleteRole('r').catch((e: unknown) => e);
    await mqtt.nextSent();
    await jest.advanceTimersByTimeAsync(5_000);
    const error = await result;
    expect(error).toBeInstanceOf(BrokerAdminUnavailableError);
    expect((error as Error).message).toBe(
      'the MQTT broker did not answer the dynamic-security command deleteRole within 5s; ' +
        'is the dynamic-security plugin loaded and is MQTT_USERNAME allowed to use it?',
    );
  });

  it('says the client is offline when it times out while disconnected', async () => {
    client = new DynsecClient(mqtt as unknown as MqttClient, logger, { timeoutMs: 10 });
    mqtt.connected = false;
    await expect(client.deleteRole('r')).rejects.toThrow(
      'did not answer the dynamic-security command deleteRole within 0.01s; the MQTT client is not connected',
    );
  });

  it('reports a refused response subscription and subscribes again on the next command', async () => {
    mqtt.refuseSubscribe = true;
    const error = await client.deleteRole('r').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerAdminUnavailableError);
    expect((error as Error).message).toMatch(
      /refused the subscription to \$CONTROL\/dynamic-security\/v1\/response .*Not authorized/,
    );
    expect(mqtt.sent).toEqual([]);
    mqtt.refuseSubscribe = false;
    const retry = client.deleteRole('r');
    mqtt.respond([
      { command: 'deleteRole', correlationData: (await mqtt.nextSent()).correlationData },
    ]);
    await expect(retry).resolves.toBe(true);
    expect(mqtt.subscriptions).toHaveLength(2);
  });

  it('never puts passwords in log lines', async () => {
    const created = client.createClient({ username: 'u', password: 's3cret-pw', rolenames: [] });
    mqtt.respond([
      { command: 'createClient', correlationData: (await mqtt.nextSent()).correlationData },
    ]);
    await created;
    const logged = JSON.stringify(
      Object.values(logger).flatMap((fn) => (jest.isMockFunction(fn) ? fn.mock.calls : [])),
    );
    expect(logged).not.toContain('s3cret-pw');
  });
});
