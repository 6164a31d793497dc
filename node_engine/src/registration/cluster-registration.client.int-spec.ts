import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { CanopyNodeRegistrationDto, ClusterRoute, validateDto } from '@canopy/contracts';
import { NodeInfoCollector } from '../monitoring/node-info.collector';
import {
  ClusterRegistrationClient,
  RegistrationRejectedError,
  type RegistrationBody,
} from './cluster-registration.client';

type Handler = (body: CanopyNodeRegistrationDto, res: ServerResponse) => void;

/**
 * A stand-in for the cluster's handshake endpoint (written concurrently by the cluster side):
 * validates every body with the contracts DTO, as the cluster will, and answers per test.
 */
class StubCluster {
  readonly bodies: CanopyNodeRegistrationDto[] = [];
  readonly invalid: string[] = [];
  handler: Handler = (_b, res) => json(res, 200, { id: 'worker-1', MQTT_BROKER_PORT: '10003' });
  private server: Server | undefined;
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
    this.server?.closeAllConnections();
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'POST' || req.url !== ClusterRoute.NODE_REGISTER)
      return json(res, 404, { message: 'no route' });
    let text = '';
    for await (const chunk of req) text += String(chunk);
    const result = validateDto(CanopyNodeRegistrationDto, JSON.parse(text), {
      forbidUnknown: true,
    });
    if (!result.ok) {
      this.invalid.push(JSON.stringify(result.errors));
      return json(res, 400, { message: result.errors.map((e) => `${e.path} ${e.message}`) });
    }
    this.bodies.push(result.value);
    this.handler(result.value, res);
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

describe(ClusterRegistrationClient.name, () => {
  const logger = pino({ level: 'silent' });
  const cluster = new StubCluster();
  let body: RegistrationBody;

  beforeAll(async () => {
    await cluster.start();
    const facts = await new NodeInfoCollector({
      nodeName: 'worker-int',
      labels: { zone: 'hall' },
      location: { lat: 48.1, long: 11.5 },
      virtualization: () => ['docker'],
      clusterAddress: '127.0.0.1',
      logger,
    }).sample();
    body = { ...facts, join_token: 'good-token' };
  });
  afterAll(() => cluster.stop());
  beforeEach(() => {
    cluster.bodies.length = 0;
    cluster.invalid.length = 0;
  });

  const client = (port = cluster.port) =>
    new ClusterRegistrationClient({
      clusterAddress: '127.0.0.1',
      clusterPort: port,
      logger,
      retry: { baseMs: 20, maxMs: 100 },
      timeoutMs: 2_000,
    });

  it("sends Oakestra's node fields (valid for the contracts DTO) and reads id, broker port and credentials", async () => {
    cluster.handler = (_b, res) =>
      json(res, 200, {
        id: 'w-42',
        MQTT_BROKER_PORT: '10003',
        mqtt_username: 'node-w-42',
        mqtt_password: 's3cret',
      });
    const result = await client().register(body);
    expect(result).toEqual({
      id: 'w-42',
      mqttBrokerPort: 10003,
      mqttUsername: 'node-w-42',
      mqttPassword: 's3cret',
    });
    expect(cluster.invalid).toEqual([]);
    expect(cluster.bodies[0]).toMatchObject({
      host: 'worker-int',
      join_token: 'good-token',
      labels: { zone: 'hall' },
      location: { lat: 48.1, long: 11.5 },
      virtualization: ['docker'],
    });
    for (const field of [
      'ip',
      'port',
      'system_info',
      'cpu_percent',
      'vcpus',
      'architecture',
      'memory',
      'memory_percent',
      'disk_info',
      'network_info',
      'gpu_driver',
      'vgpus',
      'supported_addons',
      'csi_drivers',
    ]) {
      expect(cluster.bodies[0]).toHaveProperty(field);
    }
    expect(cluster.bodies[0]?.id).toBeUndefined();
  });

  it('re-registration sends the persisted id, so the cluster keeps the identity', async () => {
    cluster.handler = (b, res) => json(res, 200, { id: b.id ?? 'new', MQTT_BROKER_PORT: '10003' });
    const result = await client().register({ ...body, id: 'w-42' });
    expect(result.id).toBe('w-42');
    expect(cluster.bodies[0]?.id).toBe('w-42');
  });

  it('retries 5xx, 429 and invalid answers, then succeeds', async () => {
    const answers: [number, unknown][] = [
      [503, { message: 'starting' }],
      [429, { message: 'slow down' }],
      [200, { id: '' }],
      [200, { id: 'w', MQTT_BROKER_PORT: 'x' }],
      [200, { id: 'w-ok', MQTT_BROKER_PORT: '1883' }],
    ];
    cluster.handler = (_b, res) => {
      const [status, answer] = answers.shift() ?? [500, {}];
      json(res, status, answer);
    };
    expect(await client().register(body)).toEqual({ id: 'w-ok', mqttBrokerPort: 1883 });
    expect(cluster.bodies).toHaveLength(5);
  });

  it('keeps retrying while the cluster is unreachable and registers once it is up', async () => {
    const later = new StubCluster();
    await later.start();
    const port = later.port;
    await later.stop(); // the port is free now: connections are refused
    const registering = client(port).register(body);
    await new Promise((r) => setTimeout(r, 300));
    const revived = new StubCluster();
    await revived.start(port);
    try {
      expect(await registering).toEqual({ id: 'worker-1', mqttBrokerPort: 10003 });
    } finally {
      await revived.stop();
    }
  });

  it.each([401, 403])('a %i (bad join token) is fatal and says what to do', async (status) => {
    cluster.handler = (_b, res) => json(res, status, { message: 'invalid join token' });
    const error = await client()
      .register({ ...body, join_token: 'wrong' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistrationRejectedError);
    expect((error as Error).message).toMatch(
      /refused the join token \(HTTP \d{3}: invalid join token\).*config set join_token/,
    );
    expect((error as Error).message).not.toContain('wrong');
    expect(cluster.bodies).toHaveLength(1);
  });

  it('a 400 is fatal too, with the cluster message', async () => {
    cluster.handler = (_b, res) => json(res, 400, { message: ['host must be a string'] });
    await expect(client().register(body)).rejects.toThrow(
      /rejected the registration \(HTTP 400: host must be a string\)/,
    );
  });

  it('stops retrying when cancelled', async () => {
    cluster.handler = (_b, res) => json(res, 503, {});
    const controller = new AbortController();
    const registering = client().register(body, controller.signal);
    setTimeout(() => controller.abort(), 100);
    await expect(registering).rejects.toThrow(/cancelled|abort/i);
  });
});
