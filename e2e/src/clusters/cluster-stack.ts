import { ClusterRegistryRoute, RootRoute } from '@canopy/contracts';
import { freePort, ManagedProcess, uniqueName } from '@canopy/testing';
import mongoose from 'mongoose';
import { clusterEnv, dist, REPO, rootEnv, startApp } from '../support/stack';

/**
 * A root and its clusters as real processes (the built dist/ apps) for the cluster e2e specs.
 * Short periods everywhere: reports every second, reconnect backoff capped at 1 s, grace 3 s.
 */
export type Json = Record<string, unknown>;

export const ADMIN_PASSWORD = 'e2e-admin-password';
export const BOOTSTRAP_TOKEN = 'e2e-bootstrap-cluster-token-0123456789';
export const REPORT_INTERVAL_MS = 1_000;

export async function eventually<T>(
  check: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
  everyMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

export async function http(
  base: string,
  method: string,
  path: string,
  options: { token?: string; body?: unknown } = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`, {
    method,
    headers: {
      ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
    },
    ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    signal: AbortSignal.timeout(10_000),
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

export class RootProcess {
  proc: ManagedProcess | undefined;
  adminToken = '';

  private constructor(readonly env: Record<string, string>) {}

  static async start(extra: Record<string, string> = {}): Promise<RootProcess> {
    const env = {
      ...(await rootEnv()),
      ROOT_GRPC_HOST: '127.0.0.1',
      ADMIN_PASSWORD,
      BCRYPT_ROUNDS: '4',
      BULLMQ_PREFIX: uniqueName('e2e_bull'),
      ROOT_BOOTSTRAP_CLUSTER_TOKEN: BOOTSTRAP_TOKEN,
      CLUSTER_RESCHEDULE_GRACE: '3s',
      SCHEDULING_RETRY_INTERVAL: '2s',
      ...extra,
    };
    const root = new RootProcess(env);
    await root.launch();
    return root;
  }

  get base(): string {
    return `http://127.0.0.1:${this.env['ROOT_HTTP_PORT']}`;
  }

  get grpcUrl(): string {
    return `127.0.0.1:${this.env['ROOT_GRPC_PORT']}`;
  }

  async launch(): Promise<void> {
    this.proc = await startApp('root_orchestrator', this.env, this.env['ROOT_HTTP_PORT'] ?? '');
    const login = await http(this.base, 'POST', RootRoute.AUTH_LOGIN, {
      body: { username: 'Admin', password: ADMIN_PASSWORD },
    });
    if (login.status !== 200)
      throw new Error(`admin login: ${login.status} ${JSON.stringify(login.body)}`);
    this.adminToken = (login.body as { token: string }).token;
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    this.proc = undefined;
  }

  async clusters(active = false): Promise<Json[]> {
    const res = await http(
      this.base,
      'GET',
      active ? ClusterRegistryRoute.CLUSTERS_ACTIVE : ClusterRegistryRoute.CLUSTERS,
    );
    if (res.status !== 200) throw new Error(`GET clusters: ${res.status}`);
    return res.body as Json[];
  }

  async joinToken(body: Json = {}): Promise<Json> {
    const res = await http(this.base, 'POST', ClusterRegistryRoute.JOIN_TOKENS, {
      token: this.adminToken,
      body,
    });
    if (res.status !== 200)
      throw new Error(`POST join-tokens: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body as Json;
  }

  /** Drops the root's database (the queue keys live under a unique prefix and expire with Redis). */
  async dropDatabase(): Promise<void> {
    await dropDatabase(this.env['MONGO_URL'] ?? '');
  }
}

export interface ClusterOptions {
  location?: string;
  capacity?: Json;
  token?: string;
}

export class ClusterProcess {
  proc: ManagedProcess | undefined;

  private constructor(
    readonly name: string,
    readonly env: Record<string, string>,
  ) {}

  static async create(
    name: string,
    root: RootProcess,
    options: ClusterOptions = {},
  ): Promise<ClusterProcess> {
    const env: Record<string, string> = {
      ...(await clusterEnv(name, { url: root.grpcUrl, token: options.token ?? BOOTSTRAP_TOKEN })),
      CLUSTER_REPORT_INTERVAL: `${REPORT_INTERVAL_MS}ms`,
      ROOT_RECONNECT_BASE_DELAY: '200ms',
      ROOT_RECONNECT_MAX_DELAY: '1s',
    };
    if (options.location !== undefined) env['CLUSTER_LOCATION'] = options.location;
    if (options.capacity !== undefined)
      env['CLUSTER_SIMULATED_CAPACITY'] = JSON.stringify(options.capacity);
    return new ClusterProcess(name, env);
  }

  static async start(
    name: string,
    root: RootProcess,
    options: ClusterOptions = {},
  ): Promise<ClusterProcess> {
    const cluster = await ClusterProcess.create(name, root, options);
    await cluster.launch();
    return cluster;
  }

  get base(): string {
    return `http://127.0.0.1:${this.env['CLUSTER_HTTP_PORT']}`;
  }

  async launch(): Promise<void> {
    this.env['CLUSTER_HTTP_PORT'] = String(await freePort());
    this.proc = await startApp('cluster_orchestrator', this.env, this.env['CLUSTER_HTTP_PORT']);
  }

  /** Starts the process without waiting for it to become healthy (it may exit at once). */
  async spawn(): Promise<ManagedProcess> {
    this.env['CLUSTER_HTTP_PORT'] = String(await freePort());
    this.proc = await ManagedProcess.start({
      name: `cluster ${this.name}`,
      command: process.execPath,
      args: [dist('cluster_orchestrator')],
      cwd: REPO,
      env: this.env,
    });
    return this.proc;
  }

  async stop(): Promise<void> {
    await this.proc?.stop();
    this.proc = undefined;
  }

  async kill9(): Promise<void> {
    await this.proc?.kill9();
    this.proc = undefined;
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process: a cluster that is slow to come back. */
  signal(signal: 'SIGSTOP' | 'SIGCONT'): void {
    const pid = this.proc?.pid;
    if (pid === undefined) throw new Error(`${this.name} is not running`);
    process.kill(pid, signal);
  }

  async status(): Promise<Json> {
    return (await http(this.base, 'GET', '/api/cluster/status')).body as Json;
  }

  /** The cluster's own id (from its database: it survives restarts). */
  async storedId(): Promise<string | undefined> {
    return withDb(this.env['MONGO_URL'] ?? '', async (db) => {
      const identity = await db.collection('cluster_identity').findOne({});
      return identity?.['cluster_id'] as string | undefined;
    });
  }

  /** `<serviceId>/<n>` of every instance in the cluster's database, sorted. */
  async instanceKeys(): Promise<string[]> {
    return withDb(this.env['MONGO_URL'] ?? '', async (db) => {
      const docs = await db.collection('instances').find({}).toArray();
      return docs.map((d) => `${String(d['service_id'])}/${String(d['instance_number'])}`).sort();
    });
  }

  async dropDatabase(): Promise<void> {
    await dropDatabase(this.env['MONGO_URL'] ?? '');
  }
}

async function withDb<T>(url: string, fn: (db: mongoose.mongo.Db) => Promise<T>): Promise<T> {
  const connection = await mongoose
    .createConnection(url, { serverSelectionTimeoutMS: 5_000 })
    .asPromise();
  try {
    return await fn(connection.db as mongoose.mongo.Db);
  } finally {
    await connection.close();
  }
}

async function dropDatabase(url: string): Promise<void> {
  await withDb(url, (db) => db.dropDatabase()).catch(() => undefined);
}

/** One microservice of a test SLA (small container defaults). */
export function microservice(name: string, fields: Json = {}): Json {
  return {
    microserviceID: '',
    microservice_name: name,
    microservice_namespace: 'e2e',
    virtualization: 'container',
    code: 'docker.io/library/busybox:latest',
    memory: 128,
    vcpus: 1,
    ...fields,
  };
}

/** Registers an application with these microservices; returns service ids by name. */
export async function deployApplication(
  root: RootProcess,
  name: string,
  microservices: Json[],
): Promise<Record<string, string>> {
  const created = await http(root.base, 'POST', RootRoute.APPLICATION_CREATE, {
    token: root.adminToken,
    body: {
      sla_version: 'v2.0',
      customerID: 'e2e',
      applications: [
        {
          applicationID: '',
          application_name: name,
          application_namespace: 'e2e',
          application_desc: 'cluster e2e',
          microservices,
        },
      ],
    },
  });
  if (created.status !== 200)
    throw new Error(`create app: ${created.status} ${JSON.stringify(created.body)}`);
  const app = (created.body as Json[]).find((a) => a['application_name'] === name) as Json;
  const services = await http(root.base, 'GET', `/api/services/${app['applicationID'] as string}`, {
    token: root.adminToken,
  });
  return Object.fromEntries(
    (services.body as Json[]).map((s) => [s['microservice_name'] as string, s['_id'] as string]),
  );
}

export async function requestInstance(root: RootProcess, serviceId: string): Promise<number> {
  const res = await http(root.base, 'POST', `/api/service/${serviceId}/instance`, {
    token: root.adminToken,
  });
  if (res.status !== 200) throw new Error(`scale up: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { instance_number: number }).instance_number;
}

export async function removeInstance(
  root: RootProcess,
  serviceId: string,
  n: number,
): Promise<void> {
  const res = await http(root.base, 'DELETE', `/api/service/${serviceId}/instance/${n}`, {
    token: root.adminToken,
  });
  if (res.status !== 200) throw new Error(`scale down: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function instanceOf(
  root: RootProcess,
  serviceId: string,
  n: number,
): Promise<Json | undefined> {
  const res = await http(root.base, 'GET', `/api/service/${serviceId}`, { token: root.adminToken });
  if (res.status !== 200) return undefined;
  return ((res.body as Json)['instance_list'] as Json[]).find((i) => i['instance_number'] === n);
}

/**
 * Statuses of an instance the root placed on a cluster, as far as these specs go: their clusters
 * have no workers (only CLUSTER_SIMULATED_CAPACITY), so after CLUSTER_SCHEDULED the cluster's
 * scheduler reports NO_QUALIFIED_WORKER_FOUND. Either means "held by that cluster".
 */
export const HELD_BY_CLUSTER: readonly string[] = [
  'CLUSTER_SCHEDULED',
  'NO_QUALIFIED_WORKER_FOUND',
  'NO_WORKER_CAPACITY',
];

export function isHeldByCluster(instance: Json | undefined): boolean {
  return instance !== undefined && HELD_BY_CLUSTER.includes(String(instance['status']));
}

/** Matcher for an instance status that means "held by its cluster". */
export const heldByClusterStatus = (): unknown =>
  expect.stringMatching(`^(${HELD_BY_CLUSTER.join('|')})$`);
