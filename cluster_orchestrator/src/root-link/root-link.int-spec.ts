import { loadConfig } from '@canopy/common';
import { ClusterRoute, InstanceStatus, NegativeSchedulingStatus } from '@canopy/contracts';
import type { Report } from '@canopy/contracts/grpc';
import { freePort, loadLocalServices, uniqueName } from '@canopy/testing';
import * as grpc from '@grpc/grpc-js';
import { getConnectionToken } from '@nestjs/mongoose';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Connection } from 'mongoose';
import request from 'supertest';
import { ClusterConfig } from '../config/cluster-config';
import { createClusterApp } from '../create-cluster-app';
import { RegistrationRefusedError } from './registration.rules';
import { RootSessionService } from './root-session.service';
import { FakeRoot } from './testing/fake-root';

const TOKEN = 'cjt_test_token';
const SERVICE = 'aaaaaaaaaaaaaaaaaaaaaaaa';
const OTHER = 'bbbbbbbbbbbbbbbbbbbbbbbb';

async function eventually<T>(
  check: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

function job(vcpus: number, memory: number): string {
  return JSON.stringify({
    _id: SERVICE,
    job_name: 'app.ns.svc.ns',
    virtualization: 'docker',
    vcpus,
    memory,
    image: 'busybox',
  });
}

describe('cluster ↔ root link (cluster in-process, fake root over real gRPC, real FerretDB)', () => {
  const services = loadLocalServices();
  const name = uniqueName('rl').replace(/_/g, '-').slice(0, 30);
  let root: FakeRoot;
  let app: NestExpressApplication | undefined;
  let config: ClusterConfig;

  const lastReport = (): Report | undefined => root.reports[root.reports.length - 1];
  const reportAfter = async (count: number): Promise<Report> =>
    eventually(() => (root.reports.length > count ? lastReport() : undefined), 5_000, 'a report');

  async function start(): Promise<NestExpressApplication> {
    const started = await createClusterApp(config);
    await started.init();
    app = started;
    return started;
  }

  async function stop(): Promise<void> {
    await app?.close();
    app = undefined;
  }

  beforeAll(async () => {
    root = new FakeRoot(await freePort(), { token: TOKEN, assignPool: '10.18.48.0/20' });
    await root.start();
    config = loadConfig(ClusterConfig, {
      CLUSTER_NAME: name,
      CLUSTER_LOCATION: '48.137,11.575,25',
      CLUSTER_HTTP_PORT: '10999',
      ROOT_URL: root.address,
      CLUSTER_JOIN_TOKEN: TOKEN,
      WORKER_JOIN_TOKEN: 'wjt_unused_0123456789',
      CLUSTER_REPORT_INTERVAL: '200ms',
      ROOT_RECONNECT_BASE_DELAY: '50ms',
      ROOT_RECONNECT_MAX_DELAY: '400ms',
      CLUSTER_SIMULATED_CAPACITY: '{"vcpus":8,"memory":4096,"architecture":"arm64"}',
      MONGO_URL: services.mongoUrl,
      REDIS_URL: services.redisUrl,
      MQTT_URL: services.mqttUrl,
      MQTT_USERNAME: services.mqttAdminUsername,
      MQTT_PASSWORD: services.mqttAdminPassword,
      LOG_LEVEL: 'silent',
    });
    await start();
  });

  afterAll(async () => {
    if (!app) await start();
    await app?.get<Connection>(getConnectionToken()).dropDatabase();
    await stop();
    await root.stop();
  });

  const db = (): Connection =>
    (app as NestExpressApplication).get<Connection>(getConnectionToken());
  const server = (): ReturnType<NestExpressApplication['getHttpServer']> =>
    (app as NestExpressApplication).getHttpServer();

  it('registers with the handshake, stores its identity, connects and reports the simulated capacity', async () => {
    const report = await reportAfter(0);
    expect(root.registrations[0]).toMatchObject({
      cluster_name: name,
      cluster_location: '48.137,11.575,25',
      manager_port: 10999,
      join_token: TOKEN,
      cluster_id: '',
      cluster_secret: '',
      cluster_info: [{ key: 'report_interval_ms', value: '200' }],
    });
    const identity = await db().collection('cluster_identity').findOne({});
    expect(identity).toMatchObject({
      cluster_id: report.cluster_id,
      cluster_secret: `ccs_secret_${report.cluster_id}`,
    });
    expect(root.hellos[0]).toEqual({
      cluster_id: report.cluster_id,
      cluster_secret: `ccs_secret_${report.cluster_id}`,
      protocol_version: 1,
      report_interval_ms: 200,
      // No WORKER_SUBNET_POOL and never welcomed: the root is to assign one.
      worker_subnet_pool: '',
    });
    const assigned = await eventually(async () => {
      const body = (await request(server()).get('/api/cluster/status')).body as {
        worker_subnet_pool?: string;
      };
      return body.worker_subnet_pool === '10.18.48.0/20' ? body : undefined;
    });
    expect(assigned.worker_subnet_pool).toBe('10.18.48.0/20');
    expect(await db().collection('cluster_network_state').findOne({})).toMatchObject({
      worker_subnet_pool: '10.18.48.0/20',
    });
    expect(report.aggregate).toMatchObject({
      vcpus: 8,
      memory: 4096,
      active_nodes: 1,
      virtualization: ['docker'],
    });
    expect(Object.keys(report.aggregation_per_architecture)).toEqual(['arm64']);
    expect(report.instances).toEqual([]);

    const status = await request(server()).get(ClusterRoute.CLUSTER_STATUS).expect(200);
    expect(status.body).toMatchObject({
      cluster_name: name,
      phase: 'connected',
      registered: true,
      cluster_id: report.cluster_id,
      sessions: 1,
      simulated_capacity: true,
    });
  });

  it('reports on its interval', async () => {
    const before = root.reports.length;
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(root.reports.length - before).toBeGreaterThanOrEqual(4);
    const seqs = root.reports.slice(before).map((r) => r.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('stores a deployed instance as CLUSTER_SCHEDULED, idempotently, and reports it with its reservation', async () => {
    const deploy = {
      command_id: `deploy.${SERVICE}.0.0`,
      service_id: SERVICE,
      instance_number: 0,
      job: job(2, 1024),
      generation: 0,
    };
    root.broadcast({ deploy_instance: deploy });
    root.broadcast({ deploy_instance: deploy }); // a re-send
    await eventually(() =>
      root.acks.filter((a) => a.command_id === deploy.command_id).length === 2 ? true : undefined,
    );
    expect(root.acks.filter((a) => a.command_id === deploy.command_id)).toEqual([
      { command_id: deploy.command_id, ok: true, error: '' },
      { command_id: deploy.command_id, ok: true, error: '' },
    ]);
    const stored = await db().collection('instances').find({}).toArray();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({
      service_id: SERVICE,
      instance_number: 0,
      generation: 0,
      // Stored CLUSTER_SCHEDULED and queued for the cluster scheduler, which finds no worker here.
      status: expect.stringMatching(
        `^(${InstanceStatus.CLUSTER_SCHEDULED}|${NegativeSchedulingStatus.NO_QUALIFIED_WORKER_FOUND})$`,
      ),
      job_name: 'app.ns.svc.ns',
      job: expect.objectContaining({ image: 'busybox', vcpus: 2 }),
    });
    const report = await eventually(() => {
      const r = lastReport();
      return r && r.instances.length === 1 ? r : undefined;
    });
    expect(report.instances[0]).toMatchObject({
      service_id: SERVICE,
      instance_number: 0,
      status: expect.stringMatching(
        `^(${InstanceStatus.CLUSTER_SCHEDULED}|${NegativeSchedulingStatus.NO_QUALIFIED_WORKER_FOUND})$`,
      ),
      generation: 0,
      job_name: 'app.ns.svc.ns',
    });
    expect(report.aggregate).toMatchObject({
      vcpus: 6,
      memory: 3072,
      cpu_percent: 25,
      memory_percent: 25,
    });
  });

  it('applies a newer generation, ignores an older one, refuses a malformed command', async () => {
    root.broadcast({
      deploy_instance: {
        command_id: 'd1',
        service_id: SERVICE,
        instance_number: 0,
        job: job(1, 512),
        generation: 2,
      },
    });
    root.broadcast({
      deploy_instance: {
        command_id: 'd2',
        service_id: SERVICE,
        instance_number: 0,
        job: job(4, 512),
        generation: 1,
      },
    });
    root.broadcast({
      deploy_instance: {
        command_id: 'd3',
        service_id: SERVICE,
        instance_number: 1,
        job: '{oops',
        generation: 0,
      },
    });
    await eventually(() => (root.acks.some((a) => a.command_id === 'd3') ? true : undefined));
    expect(root.acks.find((a) => a.command_id === 'd3')).toEqual({
      command_id: 'd3',
      ok: false,
      error: 'job is not valid JSON',
    });
    const stored = await db().collection('instances').find({}).toArray();
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ generation: 2, job: expect.objectContaining({ vcpus: 1 }) });
  });

  it('undeploys one instance (unless it carries a newer generation) and all of a service with -1', async () => {
    root.broadcast({
      deploy_instance: {
        command_id: 'd4',
        service_id: SERVICE,
        instance_number: 5,
        job: job(1, 1),
        generation: 0,
      },
    });
    root.broadcast({
      deploy_instance: {
        command_id: 'd5',
        service_id: OTHER,
        instance_number: 0,
        job: job(1, 1),
        generation: 0,
      },
    });
    root.broadcast({
      undeploy_instance: {
        command_id: 'u1',
        service_id: SERVICE,
        instance_number: 0,
        generation: 1,
      },
    });
    await eventually(() => (root.acks.some((a) => a.command_id === 'u1') ? true : undefined));
    const count = async (filter: Record<string, unknown>): Promise<number> =>
      db().collection('instances').countDocuments(filter);
    expect(await count({ service_id: SERVICE })).toBe(2); // generation 2 > 1: kept

    root.broadcast({
      undeploy_instance: {
        command_id: 'u2',
        service_id: SERVICE,
        instance_number: -1,
        generation: 0,
      },
    });
    await eventually(() => (root.acks.some((a) => a.command_id === 'u2') ? true : undefined));
    const reportsBefore = root.reports.length;
    expect(await count({ service_id: SERVICE })).toBe(0);
    expect(await count({ service_id: OTHER })).toBe(1);
    // Reports are built after every command received before them: the next one reflects u2.
    const report = await reportAfter(reportsBefore);
    expect(report.instances.map((i) => i.service_id)).toEqual([OTHER]);
  });

  it('keeps running while the root is down, and reconnects by itself', async () => {
    const sessionsBefore = root.hellos.length;
    await root.stop();
    await eventually(
      async () => {
        const status = await request(server()).get(ClusterRoute.CLUSTER_STATUS);
        return status.body.phase === 'disconnected' ? true : undefined;
      },
      5_000,
      'the cluster to notice',
    );
    await request(server()).get('/health').expect(200);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    await root.start();
    const back = Date.now();
    await eventually(
      () => (root.hellos.length > sessionsBefore ? true : undefined),
      5_000,
      'a reconnect',
    );
    expect(Date.now() - back).toBeLessThan(2_000); // backoff is capped at 400 ms here
    const report = await reportAfter(root.reports.length);
    expect(report.instances).toHaveLength(1);
  });

  it('after a restart it comes back as the same cluster (stored id and secret), holding its instances', async () => {
    const id = lastReport()?.cluster_id;
    await stop();
    const registrations = root.registrations.length;
    await start();
    await eventually(() => (root.registrations.length > registrations ? true : undefined));
    expect(root.registrations[registrations]).toMatchObject({
      cluster_id: id,
      cluster_secret: `ccs_secret_${id}`,
      join_token: TOKEN,
    });
    // The pool the root assigned was kept: the new session announces it.
    await eventually(() =>
      root.hellos.at(-1)?.worker_subnet_pool === '10.18.48.0/20' ? true : undefined,
    );
    const report = await reportAfter(root.reports.length);
    expect(report.cluster_id).toBe(id);
    expect(report.instances).toHaveLength(1);
  });

  it('registers again (with its token) when the root no longer knows its identity', async () => {
    const id = lastReport()?.cluster_id;
    root.forgetClusters();
    const count = root.hellos.length;
    await root.stop(); // drop the session so the next Hello is checked
    await root.start();
    await eventually(() => (root.hellos.length > count ? true : undefined), 5_000, 'a new session');
    const newId = root.hellos[root.hellos.length - 1]?.cluster_id;
    expect(newId).not.toBe(id);
    const identity = await db().collection('cluster_identity').findOne({});
    expect(identity?.['cluster_id']).toBe(newId);
  });
});

describe('cluster refused by the root', () => {
  it('stops with a RegistrationRefusedError naming the reason', async () => {
    const services = loadLocalServices();
    const root = new FakeRoot(await freePort(), {
      token: 'x',
      refuseWith: {
        code: grpc.status.PERMISSION_DENIED,
        details: 'the join token has been revoked',
      },
    });
    await root.start();
    const config = loadConfig(ClusterConfig, {
      CLUSTER_NAME: uniqueName('rf').replace(/_/g, '-').slice(0, 30),
      ROOT_URL: root.address,
      CLUSTER_JOIN_TOKEN: 'revoked-token',
      WORKER_JOIN_TOKEN: 'wjt_unused_0123456789',
      MONGO_URL: services.mongoUrl,
      REDIS_URL: services.redisUrl,
      MQTT_URL: services.mqttUrl,
      MQTT_USERNAME: services.mqttAdminUsername,
      MQTT_PASSWORD: services.mqttAdminPassword,
      LOG_LEVEL: 'silent',
    });
    const app = await createClusterApp(config);
    await app.init();
    try {
      const error = await app.get(RootSessionService).fatal;
      expect(error).toBeInstanceOf(RegistrationRefusedError);
      expect(error.message).toBe(
        'the root refused the registration (PERMISSION_DENIED): the join token has been revoked',
      );
      const status = await request(app.getHttpServer())
        .get(ClusterRoute.CLUSTER_STATUS)
        .expect(200);
      expect(status.body).toMatchObject({ phase: 'refused', registered: false });
    } finally {
      await app.get<Connection>(getConnectionToken()).dropDatabase();
      await app.close();
      await root.stop();
    }
  });
});
