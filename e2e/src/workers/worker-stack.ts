import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterRoute, RootRoute } from '@canopy/contracts';
import { loadLocalServices, ManagedProcess, uniqueName } from '@canopy/testing';
import Docker from 'dockerode';
import Redis from 'ioredis';
import mongoose from 'mongoose';
import { connectAsync, type MqttClient } from 'mqtt';
import {
  ClusterProcess,
  eventually,
  http,
  type Json,
  RootProcess,
} from '../clusters/cluster-stack';
import { dist, E2E_WORKER_JOIN_TOKEN, REPO } from '../support/stack';

/**
 * Root + cluster + worker agents as real processes (the built dist/ apps) on the real FerretDB,
 * Redis, Mosquitto and Docker engine, for the workers e2e specs. Everything a spec creates is
 * named uniquely (databases, cluster name, BullMQ prefix, node names, app names), so it never
 * touches another spec's or a developer's stack on the same machine.
 */

export const MB = 1024 * 1024;
export const services = loadLocalServices();
export const docker = new Docker({ socketPath: services.dockerSocket });

/** The worker agent publishes `information` and `jobs/resources` this often (node engine). */
export const WORKER_REPORT_PERIOD_MS = 2_000;
/** Short reconcile period so "was it restarted?" checks can watch several passes quickly. */
export const WORKER_RECONCILE_SECONDS = 2;

/** What each e2e worker offers to the cluster: deliberately small, so capacity binds. */
export interface WorkerResources {
  vcpus: number;
  memory: number;
}

/** One `canopy-node start` process with its own config file and state dir. */
export class WorkerAgent {
  proc: ManagedProcess | undefined;
  /** Worker id assigned by the cluster (from the persisted identity). */
  id = '';

  constructor(
    readonly nodeName: string,
    readonly dir: string,
    readonly resources: WorkerResources,
  ) {}

  get configPath(): string {
    return join(this.dir, `${this.nodeName}.json`);
  }

  get stateDir(): string {
    return join(this.dir, `state-${this.nodeName}`);
  }

  writeConfig(clusterPort: number): void {
    writeFileSync(
      this.configPath,
      JSON.stringify({
        cluster_address: '127.0.0.1',
        cluster_port: clusterPort,
        join_token: E2E_WORKER_JOIN_TOKEN,
        state_dir: this.stateDir,
        app_logs: join(this.dir, `apps-${this.nodeName}`),
        node_name: this.nodeName,
        labels: { e2e: 'workers' },
        log_level: 'info',
        runtime: {
          reconcile_interval_seconds: WORKER_RECONCILE_SECONDS,
          restart_backoff_max_seconds: 5,
        },
        resources: this.resources,
        // Docker's bridge: these agents share the host's namespace (the data plane has its own e2e).
        network: { enabled: false },
      }),
      { mode: 0o600 },
    );
  }

  async start(): Promise<void> {
    this.proc = await ManagedProcess.start({
      name: `node_engine ${this.nodeName}`,
      command: process.execPath,
      args: [dist('node_engine'), 'start', '--config', this.configPath],
      cwd: REPO,
      env: { CANOPY_NODE_CONFIG: undefined },
    });
  }

  async kill9(): Promise<void> {
    await this.proc?.kill9();
    this.proc = undefined;
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    this.proc = undefined;
  }

  /** Waits until the agent has joined its cluster and takes its worker id. */
  async joined(): Promise<void> {
    const identity = await eventually(
      async () => this.identity(),
      `${this.nodeName} joined`,
      30_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n--- ${this.nodeName} ---\n${this.logs()}`);
    });
    this.id = identity.node_id;
  }

  /** The identity the agent persisted after joining (undefined until it has joined). */
  identity(): { node_id: string } | undefined {
    return readJson(join(this.stateDir, 'identity.json')) as { node_id: string } | undefined;
  }

  /** The per-worker broker credentials the agent persisted from the registration answer. */
  credentials(): { mqtt_username: string; mqtt_password: string } {
    const creds = readJson(join(this.stateDir, 'credentials.json')) as
      { mqtt_username?: string; mqtt_password?: string } | undefined;
    if (!creds?.mqtt_username || !creds.mqtt_password)
      throw new Error(`no broker credentials in ${this.stateDir}/credentials.json`);
    return { mqtt_username: creds.mqtt_username, mqtt_password: creds.mqtt_password };
  }

  logs(): string {
    return this.proc?.logs.slice(-4000) ?? '';
  }
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/** A worker as the cluster shows it (GET /api/workers). */
export interface WorkerView {
  id: string;
  host: string;
  active: boolean;
  link_status: string;
  capacity: { vcpus: number; memory: number; vgpus: number };
  free: { vcpus: number; memory: number; vgpus: number };
  instances: number;
}

/**
 * The whole stack of a workers spec. `start()` brings up root, cluster (registered at the root)
 * and the workers (joined and active at the cluster, with the capacity they declared).
 */
export class WorkerStack {
  root!: RootProcess;
  cluster!: ClusterProcess;
  workers: WorkerAgent[] = [];
  observer: MqttClient | undefined;
  /** Every message seen on the workers' topics (admin observer), for ordering/timing checks. */
  readonly messages: { topic: string; text: string; at: number }[] = [];
  private readonly apps = new Set<string>();

  constructor(
    readonly dir: string,
    readonly workerResources: WorkerResources[],
  ) {}

  /**
   * Root plus one cluster, active at the root. A unique name: the cluster's database, BullMQ
   * prefix and broker roles derive from it.
   */
  protected async startRootAndCluster(prefix: string): Promise<void> {
    this.root = await RootProcess.start();
    const name = `${prefix}-${Math.random().toString(36).slice(2, 10)}`;
    this.cluster = await ClusterProcess.create(name, this.root);
    Object.assign(this.cluster.env, {
      BULLMQ_PREFIX: uniqueName(`e2e_${prefix}`),
      WORKER_TIMEOUT: '8s',
      CLUSTER_SCHEDULING_RETRY_INTERVAL: '1s',
    });
    await this.cluster.launch();
    await eventually(
      async () => ((await this.root.clusters(true)).length === 1 ? true : undefined),
      'cluster active at the root',
    );
  }

  async start(): Promise<void> {
    await this.startRootAndCluster('wk');
    const port = Number(this.cluster.env['CLUSTER_HTTP_PORT']);
    const tag = Math.random().toString(36).slice(2, 8);
    this.workers = this.workerResources.map(
      (resources, i) => new WorkerAgent(`e2e-w${i}-${tag}`, this.dir, resources),
    );
    for (const w of this.workers) w.writeConfig(port);
    await Promise.all(this.workers.map((w) => w.start()));
    for (const w of this.workers) {
      await w.joined();
    }
    await eventually(async () => {
      const views = await this.workerViews();
      const ready = this.workers.every((w, i) => {
        const v = views.find((x) => x.id === w.id);
        const want = this.workerResources[i];
        return (
          v !== undefined &&
          v.active &&
          v.capacity.vcpus === want?.vcpus &&
          v.capacity.memory === want.memory
        );
      });
      return ready ? true : undefined;
    }, 'workers active at the cluster with their declared capacity');
    // The root places on the cluster's reported aggregate: wait until it has seen the workers.
    const total = this.workerResources.reduce((s, r) => s + r.memory, 0);
    await eventually(async () => {
      const [c] = await this.root.clusters(true);
      return c && c['active_nodes'] === this.workers.length && Number(c['memory_in_mb']) >= total
        ? true
        : undefined;
    }, 'cluster aggregate at the root includes the workers').catch(async (e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(await this.root.clusters(true))}`);
    });

    await this.observeWorkers('wk');
  }

  /** An admin MQTT client recording every message on the workers' topics into `messages`. */
  protected async observeWorkers(prefix: string): Promise<void> {
    this.observer = await connectAsync(services.mqttUrl, {
      username: services.mqttAdminUsername,
      password: services.mqttAdminPassword,
      clientId: uniqueName(`e2e-${prefix}-observer`),
      reconnectPeriod: 0,
    });
    this.observer.on('message', (topic, payload) =>
      this.messages.push({ topic, text: payload.toString(), at: Date.now() }),
    );
    await this.observer.subscribeAsync(
      this.workers.map((w) => `nodes/${w.id}/#`),
      { qos: 1 },
    );
  }

  /** Stops everything this stack started and removes what it left behind. */
  async stop(): Promise<void> {
    for (const appId of this.apps) await this.deleteApplication(appId).catch(() => undefined);
    await Promise.all(this.workers.map((w) => w.stop().catch(() => undefined)));
    for (const w of this.workers) {
      if (!w.id) continue;
      for (const c of await containersOf(w.id).catch(() => []))
        await docker
          .getContainer(c.Id)
          .remove({ force: true })
          .catch(() => undefined);
    }
    await this.observer?.endAsync().catch(() => undefined);
    await this.cluster?.stop();
    await this.root?.stop();
    await revokeWorkerBrokerUsers(this.workers.map((w) => w.id).filter(Boolean));
    await this.cluster?.dropDatabase();
    await this.root?.dropDatabase();
    await deleteRedisKeys(
      [this.root?.env['BULLMQ_PREFIX'], this.cluster?.env['BULLMQ_PREFIX']].filter(
        (p): p is string => p !== undefined && p.startsWith('e2e_'),
      ),
    );
  }

  async workerViews(): Promise<WorkerView[]> {
    const res = await http(this.cluster.base, 'GET', ClusterRoute.WORKERS);
    if (res.status !== 200) throw new Error(`GET /api/workers: ${res.status}`);
    return res.body as WorkerView[];
  }

  /** Registers an application; returns its id and the service ids by microservice name. */
  async createApplication(
    name: string,
    microservices: Json[],
  ): Promise<{ appId: string; services: Record<string, string>; jobs: Record<string, string> }> {
    const created = await http(this.root.base, 'POST', RootRoute.APPLICATION_CREATE, {
      token: this.root.adminToken,
      body: {
        sla_version: 'v2.0',
        customerID: 'e2e',
        applications: [
          {
            applicationID: '',
            application_name: name,
            application_namespace: 'e2e',
            application_desc: 'workers e2e',
            microservices,
          },
        ],
      },
    });
    if (created.status !== 200)
      throw new Error(`create app: ${created.status} ${JSON.stringify(created.body)}`);
    const app = (created.body as Json[]).find((a) => a['application_name'] === name) as Json;
    const appId = app['applicationID'] as string;
    this.apps.add(appId);
    const list = await http(this.root.base, 'GET', `/api/services/${appId}`, {
      token: this.root.adminToken,
    });
    const docs = list.body as Json[];
    return {
      appId,
      services: Object.fromEntries(
        docs.map((s) => [s['microservice_name'] as string, s['_id'] as string]),
      ),
      jobs: Object.fromEntries(
        docs.map((s) => [s['microservice_name'] as string, s['job_name'] as string]),
      ),
    };
  }

  async deleteApplication(appId: string): Promise<void> {
    const res = await http(this.root.base, 'DELETE', `/api/application/${appId}`, {
      token: this.root.adminToken,
    });
    if (res.status !== 200)
      throw new Error(`delete app: ${res.status} ${JSON.stringify(res.body)}`);
    this.apps.delete(appId);
  }

  /** POST /api/service/<id>/instance (long timeout: used for 50 concurrent requests too). */
  async requestInstance(serviceId: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.root.base}/api/service/${serviceId}/instance`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.root.adminToken}` },
      signal: AbortSignal.timeout(60_000),
    });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body };
  }

  async addInstance(serviceId: string): Promise<number> {
    const res = await this.requestInstance(serviceId);
    if (res.status !== 200) throw new Error(`scale up: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { instance_number: number }).instance_number;
  }

  /** The service as GET /api/service/<id> at the root shows it. */
  async service(serviceId: string): Promise<Json> {
    const res = await http(this.root.base, 'GET', `/api/service/${serviceId}`, {
      token: this.root.adminToken,
    });
    if (res.status !== 200) throw new Error(`GET service: ${res.status}`);
    return res.body as Json;
  }

  async instances(serviceId: string): Promise<Json[]> {
    return ((await this.service(serviceId))['instance_list'] as Json[] | undefined) ?? [];
  }

  async instance(serviceId: string, n: number): Promise<Json | undefined> {
    return (await this.instances(serviceId)).find((i) => i['instance_number'] === n);
  }

  /** Waits until the instance shows one of `statuses` at the root. */
  async instanceIn(
    serviceId: string,
    n: number,
    statuses: readonly string[],
    timeoutMs = 60_000,
    everyMs = 200,
  ): Promise<Json> {
    let last: Json | undefined;
    return eventually(
      async () => {
        last = await this.instance(serviceId, n);
        return last && statuses.includes(last['status'] as string) ? last : undefined;
      },
      `instance ${serviceId}/${n} in ${statuses.join('|')}`,
      timeoutMs,
      everyMs,
    ).catch((e: Error) => {
      throw new Error(`${e.message}; last seen: ${JSON.stringify(last)}\n${this.tail()}`);
    });
  }

  /** The last lines of every process's output, for failure messages. */
  tail(): string {
    const parts = [
      `--- cluster ---\n${this.cluster.proc?.logs.slice(-3000) ?? ''}`,
      ...this.workers.map((w) => `--- ${w.nodeName} (${w.id}) ---\n${w.logs().slice(-2000)}`),
    ];
    return parts.join('\n');
  }

  /** Waits until Docker holds no container (running or not) of these services. */
  async containersGone(serviceIds: readonly string[], timeoutMs = 30_000): Promise<void> {
    await eventually(
      async () => {
        for (const id of serviceIds)
          if ((await containersOf(undefined, { service_id: id })).length > 0) return undefined;
        return true;
      },
      `containers of ${serviceIds.join(', ')} removed from Docker`,
      timeoutMs,
      250,
    );
  }

  /** Waits until every worker's free amounts are back to its capacity (nothing reserved). */
  async reservationsReleased(timeoutMs = 20_000): Promise<void> {
    let last: WorkerView[] = [];
    await eventually(
      async () => {
        last = await this.workerViews();
        return last.every(
          (w) => w.free.vcpus === w.capacity.vcpus && w.free.memory === w.capacity.memory,
        )
          ? true
          : undefined;
      },
      'every reservation released',
      timeoutMs,
    ).catch((e: Error) => {
      throw new Error(`${e.message}: ${JSON.stringify(last.map(summary))}`);
    });
  }
}

export function summary(w: WorkerView): Json {
  return { id: w.id, host: w.host, capacity: w.capacity, free: w.free, instances: w.instances };
}

/** Containers (running or not) with Canopy labels of one worker and/or a label subset. */
export async function containersOf(
  workerId?: string,
  labels: Record<string, string> = {},
  onlyRunning = false,
): Promise<Docker.ContainerInfo[]> {
  const filters = [
    'io.canopy.managed',
    ...(workerId !== undefined ? [`io.canopy.node_id=${workerId}`] : []),
    ...Object.entries(labels).map(([k, v]) => `io.canopy.${k}=${v}`),
  ];
  return docker.listContainers({ all: !onlyRunning, filters: { label: filters } });
}

export function inspect(id: string): Promise<Docker.ContainerInspectInfo> {
  return docker.getContainer(id).inspect();
}

/** A microservice of a test SLA, using the locally built test image. */
export function microservice(name: string, fields: Json = {}): Json {
  return {
    microserviceID: '',
    microservice_name: name,
    microservice_namespace: 'e2e',
    virtualization: 'container',
    code: services.testImage,
    memory: 16,
    vcpus: 1,
    one_shot: false,
    constraints: [],
    ...fields,
  };
}

/**
 * A command that prints `line` then idles until stopped; TERM ends it at once so deletes are
 * quick (sh as PID 1 ignores TERM unless it traps it).
 */
export function serveCmd(line: string): string[] {
  return ['sh', '-c', `echo "${line}"; trap "exit 0" TERM; while true; do sleep 1; done`];
}

/** Application names must be alphanumeric (≤ 30) and unique per root. */
export function appName(prefix: string): string {
  return `${prefix}${Math.random().toString(36).slice(2, 8)}`;
}

/** Reads a collection of the cluster's database directly (what the cluster itself stores). */
export async function clusterDocs(cluster: ClusterProcess, collection: string): Promise<Json[]> {
  const connection = await mongoose
    .createConnection(cluster.env['MONGO_URL'] ?? '', { serverSelectionTimeoutMS: 5_000 })
    .asPromise();
  try {
    const db = connection.db as mongoose.mongo.Db;
    return (await db.collection(collection).find({}).toArray()) as Json[];
  } finally {
    await connection.close();
  }
}

/** Deletes the BullMQ keys under these (unique, per-run) prefixes once the apps are stopped. */
export async function deleteRedisKeys(prefixes: readonly string[]): Promise<void> {
  if (prefixes.length === 0) return;
  const redis = new Redis(services.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    for (const prefix of prefixes) {
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== '0');
    }
  } catch {
    // best effort: leftover keys under a unique prefix harm nobody
  } finally {
    redis.disconnect();
  }
}

/**
 * Removes the broker users/roles the cluster provisioned for these workers (`canopy-worker-<id>`),
 * so test runs do not pile up clients in the shared Mosquitto's dynamic-security config.
 */
export async function revokeWorkerBrokerUsers(workerIds: readonly string[]): Promise<void> {
  if (workerIds.length === 0) return;
  const admin = await connectAsync(services.mqttUrl, {
    username: services.mqttAdminUsername,
    password: services.mqttAdminPassword,
    clientId: uniqueName('e2e-wk-dynsec'),
    reconnectPeriod: 0,
  }).catch(() => undefined);
  if (admin === undefined) return;
  try {
    const answered = new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 5_000);
      admin.on('message', (topic) => {
        if (topic === '$CONTROL/dynamic-security/v1/response') {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await admin.subscribeAsync('$CONTROL/dynamic-security/v1/response', { qos: 1 });
    const commands = workerIds.flatMap((id) => [
      { command: 'deleteClient', username: `canopy-worker-${id}` },
      { command: 'deleteRole', rolename: `canopy-worker-${id}` },
    ]);
    await admin.publishAsync('$CONTROL/dynamic-security/v1', JSON.stringify({ commands }), {
      qos: 1,
    });
    await answered;
  } finally {
    await admin.endAsync().catch(() => undefined);
  }
}

export { eventually, http, type Json };
