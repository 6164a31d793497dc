import { loadConfig } from '@canopy/common';
import { ClusterRoute, MqttTopics, QueueName } from '@canopy/contracts';
import type { Ack } from '@canopy/contracts/grpc';
import { loadLocalServices, uniqueName, type LocalServices } from '@canopy/testing';
import { getQueueToken } from '@nestjs/bullmq';
import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { createConnection, type Connection } from 'mongoose';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import request from 'supertest';
import { WorkerCredentialsService } from '../../broker/worker-credentials.service';
import { InstanceCommandsService } from '../../instances/instance-commands.service';
import { ClusterConfig } from '../../config/cluster-config';
import { createClusterApp } from '../../create-cluster-app';
import { WorkerMessagesService } from '../worker-messages.service';
import type { WorkerView } from '../workers.service';

/**
 * Test-only: the whole cluster app in-process on the local FerretDB, Redis and Mosquitto, with
 * helpers to register workers over HTTP, act as those workers over MQTT (their own
 * credentials), and watch what the cluster publishes to them. Everything it creates (database,
 * broker clients, MQTT sessions) is removed by close().
 */

/** The worker join token every harness cluster is configured with (≥ 16 characters). */
export const WORKER_TOKEN = 'wjt_int_spec_token_0123456789';

/** MQTT 3.1.1 CONNACK return code "not authorized" (Mosquitto's answer to bad credentials). */
export const CONNACK_NOT_AUTHORIZED = 5;

export interface RegisteredWorker {
  id: string;
  host: string;
  mqtt: { username: string; password: string };
  /** The worker subnet the cluster assigned (registration answer's `subnetwork`). */
  subnetwork: string;
}

/** An `instances` document as stored (the fields the specs look at). */
export interface StoredInstance {
  service_id: string;
  instance_number: number;
  generation: number;
  job_name: string;
  status: string;
  status_detail: string;
  worker_id: string;
  reservation: { worker_id: string; vcpus: number; memory: number; vgpus: number } | null;
  host_ip: string;
  cpu_percent: number;
  memory_percent: number;
  logs: string;
}

export interface ReceivedMessage {
  topic: string;
  body: unknown;
  at: number;
}

export async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

/** A DNS-label-like name unique to this run (worker hostnames, cluster names). */
export function uniqueHost(prefix: string): string {
  return uniqueName(prefix).replace(/_/g, '-');
}

/** A 24-hex id unique to this run (service ids). */
export function uniqueHexId(): string {
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0').slice(-width);
  return (
    hex(Math.floor(Date.now() / 1000), 8) +
    hex(process.pid, 6) +
    hex(Math.floor(Math.random() * 0xffffff), 6) +
    hex(Math.floor(Math.random() * 0xffff), 4)
  );
}

/** A registration body a Canopy node engine would send (without the join token). */
export function workerBody(
  host: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    host,
    ip: '198.18.0.2',
    port: '3000',
    vcpus: 8,
    memory: 16_000,
    cpu_percent: 3.5,
    memory_percent: 20,
    architecture: 'amd64',
    virtualization: ['docker'],
    allocatable_vcpus: 4,
    allocatable_memory: 256,
    ...extra,
  };
}

/** A root job document (what DeployInstance carries as JSON text). */
export function serviceJob(
  serviceId: string,
  jobName: string,
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    _id: serviceId,
    job_name: jobName,
    virtualization: 'docker',
    vcpus: 1,
    memory: 100,
    image: 'busybox',
    ...extra,
  };
}

export class WorkerClusterHarness {
  readonly services: LocalServices;
  readonly config: ClusterConfig;
  private appRef: NestExpressApplication | undefined;
  private readonly provisioned = new Set<string>();
  private readonly clients: MqttClient[] = [];
  private adminClient: MqttClient | undefined;
  /** Everything the admin client received on the topics passed to watch(). */
  readonly received: ReceivedMessage[] = [];

  constructor(overrides: Record<string, string> = {}) {
    this.services = loadLocalServices();
    this.config = loadConfig(ClusterConfig, {
      // A unique cluster name gives a unique database (canopy_cluster_<name>) and queue prefix.
      CLUSTER_NAME: uniqueHost('wk').slice(0, 30),
      CLUSTER_LOCATION: '48.137,11.575,25',
      MONGO_URL: this.services.mongoUrl,
      REDIS_URL: this.services.redisUrl,
      MQTT_URL: this.services.mqttUrl,
      MQTT_USERNAME: this.services.mqttAdminUsername,
      MQTT_PASSWORD: this.services.mqttAdminPassword,
      // No root listens there: the root link retries in the background, irrelevant here.
      ROOT_URL: '127.0.0.1:1',
      CLUSTER_JOIN_TOKEN: 'cjt_unused',
      WORKER_JOIN_TOKEN: WORKER_TOKEN,
      // No root to assign one: the pool is set, as on a cluster configured by hand.
      WORKER_SUBNET_POOL: '10.18.0.0/16',
      // The auditor compares fast beside every scenario (50 concurrent placements included); with
      // the default leak age it must never "repair" a reservation that is merely in flight.
      RESERVATION_AUDIT_INTERVAL: '250ms',
      LOG_LEVEL: process.env['CANOPY_TEST_LOG_LEVEL'] ?? 'silent',
      ...overrides,
    });
  }

  get app(): NestExpressApplication {
    if (!this.appRef) throw new Error('the cluster app is not started');
    return this.appRef;
  }

  server(): ReturnType<NestExpressApplication['getHttpServer']> {
    return this.app.getHttpServer();
  }

  db(): Connection {
    return this.app.get<Connection>(getConnectionToken());
  }

  get messages(): WorkerMessagesService {
    return this.app.get(WorkerMessagesService);
  }

  /** Starts the app and waits until its MQTT client is subscribed to the workers' topics. */
  async start(): Promise<void> {
    const app = await createClusterApp(this.config);
    await app.init();
    this.appRef = app;
    this.adminClient = await this.connect({
      username: this.services.mqttAdminUsername,
      password: this.services.mqttAdminPassword,
    });
    this.adminClient.on('message', (topic, payload) => {
      let body: unknown;
      try {
        body = JSON.parse(payload.toString());
      } catch {
        body = payload.toString();
      }
      this.received.push({ topic, body, at: Date.now() });
    });
    // Readiness: an invalid payload is counted once the app's subscription is in place.
    const probe = `nodes/${uniqueHost('probe')}/information`;
    await eventually(
      async () => {
        const before = this.messages.rejected;
        await this.admin.publishAsync(probe, '{not json', { qos: 1 });
        await sleep(100);
        return this.messages.rejected > before ? true : undefined;
      },
      10_000,
      'the cluster to subscribe to the worker topics',
    );
    await this.messages.drained();
  }

  get admin(): MqttClient {
    if (!this.adminClient) throw new Error('the harness is not started');
    return this.adminClient;
  }

  /** The admin client subscribes to `topics` (their messages land in `received`). */
  async watch(topics: string[]): Promise<void> {
    await this.admin.subscribeAsync(topics, { qos: 1 });
  }

  receivedOn(topic: string): ReceivedMessage[] {
    return this.received.filter((m) => m.topic === topic);
  }

  async connect(
    creds: { username: string; password: string },
    extra: IClientOptions = {},
  ): Promise<MqttClient> {
    const client = await connectAsync(this.services.mqttUrl, {
      ...creds,
      clientId: uniqueName('wk-client'),
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...extra,
    });
    // A refused or dropped session must not crash the test process.
    client.on('error', () => undefined);
    this.clients.push(client);
    return client;
  }

  /** Connects as the worker, with its own credentials. */
  connectWorker(worker: RegisteredWorker): Promise<MqttClient> {
    return this.connect(worker.mqtt);
  }

  /** Raw POST /api/node/register with a JSON body. */
  postRegister(body: unknown): request.Test {
    return request(this.server())
      .post(ClusterRoute.NODE_REGISTER)
      .send(body as object);
  }

  /** Registers a worker (expects 200); its broker client is revoked by close(). */
  async register(body: Record<string, unknown>): Promise<RegisteredWorker> {
    const res = await this.postRegister({ join_token: WORKER_TOKEN, ...body });
    if (res.status !== 200) {
      throw new Error(`registration failed: ${res.status} ${JSON.stringify(res.body)}`);
    }
    const answer = res.body as {
      id: string;
      mqtt_username: string;
      mqtt_password: string;
      subnetwork: string;
    };
    this.provisioned.add(answer.id);
    return {
      id: answer.id,
      host: String(body['host']),
      mqtt: { username: answer.mqtt_username, password: answer.mqtt_password },
      subnetwork: answer.subnetwork,
    };
  }

  /** Remembers a worker id whose broker client must be revoked by close(). */
  track(id: string): void {
    this.provisioned.add(id);
  }

  async workers(): Promise<WorkerView[]> {
    const res = await request(this.server()).get(ClusterRoute.WORKERS).expect(200);
    return res.body as WorkerView[];
  }

  async worker(id: string): Promise<WorkerView> {
    const found = (await this.workers()).find((w) => w.id === id);
    if (!found) throw new Error(`worker ${id} is not listed`);
    return found;
  }

  /** What the root's DeployInstance command does (InstanceCommandsService.deploy). */
  deploy(
    serviceId: string,
    instanceNumber: number,
    job: Record<string, unknown>,
    generation = 0,
  ): Promise<Ack> {
    return this.app.get(InstanceCommandsService).deploy({
      command_id: `deploy.${serviceId}.${instanceNumber}.${generation}`,
      service_id: serviceId,
      instance_number: instanceNumber,
      job: JSON.stringify(job),
      generation,
    });
  }

  /** What the root's UndeployInstance command does (InstanceCommandsService.undeploy). */
  undeploy(serviceId: string, instanceNumber: number, generation = 0): Promise<Ack> {
    return this.app.get(InstanceCommandsService).undeploy({
      command_id: `undeploy.${serviceId}.${instanceNumber}.${generation}`,
      service_id: serviceId,
      instance_number: instanceNumber,
      generation,
    });
  }

  async instances(filter: Record<string, unknown> = {}): Promise<StoredInstance[]> {
    return (await this.db()
      .collection('instances')
      .find(filter)
      .sort({ service_id: 1, instance_number: 1 })
      .toArray()) as unknown as StoredInstance[];
  }

  async instance(serviceId: string, instanceNumber: number): Promise<StoredInstance | null> {
    return (await this.db().collection('instances').findOne({
      service_id: serviceId,
      instance_number: instanceNumber,
    })) as StoredInstance | null;
  }

  /** Raw documents of a collection, sorted by _id (for before/after comparisons). */
  async documents(collection: string): Promise<Record<string, unknown>[]> {
    return (await this.db()
      .collection(collection)
      .find({})
      .sort({ _id: 1 })
      .toArray()) as unknown as Record<string, unknown>[];
  }

  /**
   * Publishes an invalid payload as the admin on `nodes/<throwaway>/information` and waits until
   * the cluster has counted it and handled everything before it. Messages published earlier (by
   * any client, each awaited with QoS 1) reached the broker first, and the cluster handles what
   * it receives one at a time in arrival order, so they have been handled too.
   */
  async barrier(): Promise<void> {
    const before = this.messages.rejected;
    await this.admin.publishAsync(MqttTopics.nodeInformation(uniqueHost('barrier')), '{barrier', {
      qos: 1,
    });
    await eventually(
      () => (this.messages.rejected > before ? true : undefined),
      10_000,
      'the barrier message',
    );
    await this.messages.drained();
  }

  async close(): Promise<void> {
    await Promise.all(this.clients.map((c) => c.endAsync(true).catch(() => undefined)));
    if (!this.appRef) return;
    const credentials = this.appRef.get(WorkerCredentialsService);
    for (const id of this.provisioned) await credentials.revoke(id).catch(() => undefined);
    await this.appRef
      .get<Queue>(getQueueToken(QueueName.CLUSTER_SCHEDULING))
      .obliterate({ force: true })
      .catch(() => undefined);
    const database = this.db().db?.databaseName ?? this.config.mongoDatabase;
    await this.appRef.close();
    this.appRef = undefined;
    await this.clearRetainedPeerLists();
    // Dropped after the app stopped: a placement still running could otherwise recreate it.
    const connection = await createConnection(this.config.MONGO_URL, {
      dbName: database,
    }).asPromise();
    try {
      await connection.dropDatabase();
    } finally {
      await connection.close();
    }
    await this.deleteQueueKeys();
  }

  /**
   * The cluster publishes every worker's tunnel peer list and service table retained: clear them
   * once the app (and its publishers) stopped, so test runs leave no retained messages behind.
   */
  private async clearRetainedPeerLists(): Promise<void> {
    if (this.provisioned.size === 0) return;
    try {
      const admin = await this.connect({
        username: this.services.mqttAdminUsername,
        password: this.services.mqttAdminPassword,
      });
      for (const id of this.provisioned) {
        await admin.publishAsync(MqttTopics.netPeers(id), '', { qos: 1, retain: true });
        await admin.publishAsync(MqttTopics.netServices(id), '', { qos: 1, retain: true });
      }
      await admin.endAsync(true);
    } catch {
      // best effort
    }
  }

  /** The queue's keys live under this cluster's unique prefix: leave nothing behind in Redis. */
  private async deleteQueueKeys(): Promise<void> {
    const redis = new Redis(this.services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      const keys: string[] = [];
      let cursor = '0';
      do {
        const [next, batch] = await redis.scan(cursor, 'MATCH', `${this.config.bullmqPrefix}:*`);
        cursor = next;
        keys.push(...batch);
      } while (cursor !== '0');
      if (keys.length > 0) await redis.del(...keys);
    } catch {
      // best effort
    } finally {
      redis.disconnect();
    }
  }
}
