import { connectAsync, MqttClient } from 'mqtt';
import { loadLocalServices, uniqueName } from '../index';

describe('MQTT through Mosquitto', () => {
  const services = loadLocalServices();
  const clients: MqttClient[] = [];

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
  });

  async function client(): Promise<MqttClient> {
    const c = await connectAsync(services.mqttUrl, {
      username: services.mqttAdminUsername,
      password: services.mqttAdminPassword,
      clientId: uniqueName('t'),
      reconnectPeriod: 0,
    });
    clients.push(c);
    return c;
  }

  it('round-trips a QoS 1 message between two clients', async () => {
    const topic = `canopy-test/${uniqueName('rt')}`;
    const [sub, pub] = [await client(), await client()];
    await sub.subscribeAsync(topic, { qos: 1 });
    const received = new Promise<string>((resolve) =>
      sub.on('message', (t, payload) => t === topic && resolve(payload.toString())),
    );
    await pub.publishAsync(topic, JSON.stringify({ hello: 'edge' }), { qos: 1 });
    expect(JSON.parse(await received)).toEqual({ hello: 'edge' });
  });

  it('refuses anonymous clients (workers will get per-worker credentials)', async () => {
    await expect(
      connectAsync(services.mqttUrl, { reconnectPeriod: 0, connectTimeout: 3000 }),
    ).rejects.toThrow(/Not authorized|Bad username or password|unauthorized/i);
  });
});
