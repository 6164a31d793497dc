import { MqttTopics } from '@canopy/contracts';
import { CanopyLoggerModule, MqttClientModule } from '@canopy/server';
import { loadLocalServices, uniqueName } from '@canopy/testing';
import { Test, type TestingModule } from '@nestjs/testing';
import { connectAsync, type IClientOptions, type MqttClient } from 'mqtt';
import { PinoLogger } from 'nestjs-pino';
import { BrokerModule } from './broker.module';
import { BrokerAdminUnavailableError, DynsecClient } from './dynsec.client';
import { DynsecAclType } from './dynsec.constants';
import { workerRoleAcls, workerRolename } from './worker-acl.rules';
import { ClusterConfig } from '../config/cluster-config';
import { ClusterConfigModule } from '../config/cluster-config.module';
import { type WorkerMqttCredentials, WorkerCredentialsService } from './worker-credentials.service';

const OWNER = 'broker-int';

/** MQTT 3.1.1 CONNACK return code "not authorized" (Mosquitto's answer to bad credentials). */
const CONNACK_NOT_AUTHORIZED = 5;
/** MQTT 3.1.1 SUBACK "failure". */
const SUBACK_FAILURE = 0x80;
/** After a marker sent later on an allowed topic has arrived, a denied one had its chance. */
const SETTLE_MS = 500;

function waitFor<T>(
  what: string,
  register: (done: (value: T) => void) => void,
  ms = 5_000,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
    register((value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}

function must<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`expected ${what}`);
  return value;
}

function nextMessage(client: MqttClient, topic: string): Promise<string> {
  return waitFor(`a message on ${topic}`, (done) =>
    client.on('message', (t, payload) => t === topic && done(payload.toString())),
  );
}

/** SUBACK codes of a refused subscription (mqtt.js rejects when any code has 0x80 set). */
async function subscribeRefusal(client: MqttClient, filter: string): Promise<number[]> {
  const error: unknown = await client.subscribeAsync(filter, { qos: 1 }).then(
    () => {
      throw new Error(`subscription to ${filter} was granted`);
    },
    (e: unknown) => e,
  );
  const granted = (error as { packet?: { granted?: unknown } }).packet?.granted;
  if (!Array.isArray(granted)) throw error;
  return granted.map(Number);
}

describe('worker MQTT credentials (real Mosquitto with the dynamic-security plugin)', () => {
  const services = loadLocalServices();
  const workerId = uniqueName('w');
  const otherId = uniqueName('other');
  const provisioned = new Set<string>();
  const clients: MqttClient[] = [];
  let moduleRef: TestingModule;
  let credentials: WorkerCredentialsService;
  let dynsec: DynsecClient;
  let admin: MqttClient;

  async function connect(
    creds: { username: string; password: string },
    extra: IClientOptions = {},
  ) {
    const client = await connectAsync(services.mqttUrl, {
      ...creds,
      clientId: uniqueName('wc'),
      reconnectPeriod: 0,
      connectTimeout: 5_000,
      ...extra,
    });
    clients.push(client);
    return client;
  }

  async function provision(id: string): Promise<WorkerMqttCredentials> {
    provisioned.add(id);
    return credentials.provision(id);
  }

  const closed = (client: MqttClient): Promise<void> =>
    client.connected
      ? waitFor('the broker to close the session', (done) => client.once('close', done))
      : Promise.resolve();

  beforeAll(async () => {
    moduleRef = await Test.createTestingModule({
      imports: [
        CanopyLoggerModule.forRoot('cluster_orchestrator', 'silent'),
        ClusterConfigModule.forRoot(Object.assign(new ClusterConfig(), { CLUSTER_NAME: OWNER })),
        MqttClientModule.forRoot({
          url: services.mqttUrl,
          clientIdPrefix: 'canopy-broker-int',
          username: services.mqttAdminUsername,
          password: services.mqttAdminPassword,
        }),
        BrokerModule,
      ],
    }).compile();
    await moduleRef.init();
    credentials = moduleRef.get(WorkerCredentialsService);
    dynsec = moduleRef.get(DynsecClient);
    admin = await connect({
      username: services.mqttAdminUsername,
      password: services.mqttAdminPassword,
    });
    await admin.subscribeAsync({
      [`nodes/${workerId}/#`]: { qos: 1 },
      [`nodes/${otherId}/#`]: { qos: 1 },
    });
  });

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    for (const id of provisioned) await credentials?.revoke(id);
    await moduleRef?.close();
  });

  it('lets a provisioned worker use its own topics in both directions', async () => {
    const creds = await provision(workerId);
    expect(creds.username).toBe(`canopy-worker-${workerId}`);
    expect(creds.password).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const worker = await connect(creds);

    const deploy = MqttTopics.nodeControlDeploy(workerId);
    await worker.subscribeAsync(deploy, { qos: 1 });
    const toWorker = nextMessage(worker, deploy);
    await admin.publishAsync(deploy, '{"job":"x"}', { qos: 1 });
    expect(await toWorker).toBe('{"job":"x"}');

    const information = MqttTopics.nodeInformation(workerId);
    const toCluster = nextMessage(admin, information);
    await worker.publishAsync(information, '{"cpu":1}', { qos: 1 });
    expect(await toCluster).toBe('{"cpu":1}');
  });

  it('knows which workers it provisioned (several clusters may share one broker)', async () => {
    const mine = uniqueName('mine');
    await credentials.provision(mine);
    expect(await credentials.provisionedHere(mine)).toBe(true);
    expect(await credentials.provisionedHere(uniqueName('nobody'))).toBe(false);
    const other = uniqueName('theirs');
    await dynsec.createRole(
      `canopy-worker-${other}`,
      [],
      `Canopy worker ${other} of cluster elsewhere`,
    );
    expect(await credentials.provisionedHere(other)).toBe(false);
    await credentials.revoke(mine);
    await dynsec.deleteRole(`canopy-worker-${other}`);
  });

  it("keeps a worker out of another worker's topics", async () => {
    const worker = await connect(await provision(workerId));
    const leaked: string[] = [];
    const watch = (topic: string) => topic.startsWith(`nodes/${otherId}/`) && leaked.push(topic);
    admin.on('message', watch);

    // 3.1.1: Mosquitto acknowledges a denied QoS 1 publish and drops it.
    await worker.publishAsync(MqttTopics.nodeInformation(otherId), 'spoofed', { qos: 1 });
    const marker = nextMessage(admin, MqttTopics.nodeStatus(workerId));
    await worker.publishAsync(MqttTopics.nodeStatus(workerId), 'online', { qos: 1 });
    await marker;
    await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    admin.removeListener('message', watch);
    expect(leaked).toEqual([]);

    for (const filter of [`nodes/${otherId}/#`, 'nodes/+/information', '#']) {
      expect(await subscribeRefusal(worker, filter)).toEqual([SUBACK_FAILURE]);
    }
    // A refused subscription does not end the session, and the worker keeps its own rights.
    await expect(
      worker.subscribeAsync(MqttTopics.nodeControlDelete(workerId), { qos: 1 }),
    ).resolves.toEqual([expect.objectContaining({ qos: 1 })]);

    // MQTT 5 reports the refusal as a reason code >= 0x80 (Mosquitto: 0x87 not authorized).
    const worker5 = await connect(await provision(workerId), { protocolVersion: 5 });
    const [code] = await subscribeRefusal(worker5, `nodes/${otherId}/control/deploy`);
    expect(code).toBeGreaterThanOrEqual(0x80);
  });

  it('refuses a wrong password and an unknown username (CONNACK not authorized)', async () => {
    const creds = await provision(workerId);
    await expect(connect({ ...creds, password: `${creds.password}x` })).rejects.toMatchObject({
      code: CONNACK_NOT_AUTHORIZED,
    });
    await expect(
      connect({ username: `canopy-worker-${uniqueName('nobody')}`, password: creds.password }),
    ).rejects.toMatchObject({ code: CONNACK_NOT_AUTHORIZED });
  });

  it('provisions the same id again with a new password; the old one stops working', async () => {
    const first = await provision(workerId);
    const session = await connect(first);
    const second = await provision(workerId);
    expect(second.username).toBe(first.username);
    expect(second.password).not.toBe(first.password);

    // The broker disconnects sessions of a client whose password changes.
    await closed(session);
    await expect(connect(first)).rejects.toMatchObject({ code: CONNACK_NOT_AUTHORIZED });
    const worker = await connect(second);
    await expect(
      worker.subscribeAsync(MqttTopics.nodeControlDeploy(workerId), { qos: 1 }),
    ).resolves.toBeDefined();
  });

  it('repairs a role whose ACLs were changed behind its back', async () => {
    const id = uniqueName('repair');
    await provision(id);
    const rolename = workerRolename(id);
    await dynsec.removeRoleAcl(rolename, must(workerRoleAcls(id)[0], 'an ACL'));
    await dynsec.addRoleAcl(rolename, {
      acltype: DynsecAclType.SUBSCRIBE_PATTERN,
      topic: '#',
      allow: true,
    });
    await dynsec.addRoleAcl(rolename, {
      acltype: DynsecAclType.PUBLISH_CLIENT_SEND,
      topic: 'x/#',
      allow: false,
    });

    const creds = await provision(id);
    const role = await dynsec.getRole(rolename);
    const sortAcls = <T extends { acltype: string }>(acls: T[]) =>
      [...acls].sort((a, b) => a.acltype.localeCompare(b.acltype));
    expect(sortAcls(role?.acls ?? [])).toEqual(
      sortAcls(workerRoleAcls(id).map((acl) => ({ ...acl, priority: 0 }))),
    );
    const worker = await connect(creds);
    expect(await subscribeRefusal(worker, '#')).toEqual([SUBACK_FAILURE]);
  });

  it('revokes: the credentials stop working, a live session is dropped, revoking again is fine', async () => {
    const id = uniqueName('revoke');
    const creds = await provision(id);
    const session = await connect(creds);
    await credentials.revoke(id);
    await closed(session);
    await expect(connect(creds)).rejects.toMatchObject({ code: CONNACK_NOT_AUTHORIZED });
    expect(await dynsec.getRole(workerRolename(id))).toBeNull();
    await expect(credentials.revoke(id)).resolves.toBeUndefined();
  });

  it('serialises concurrent provisions of one id: the last password returned is the valid one', async () => {
    const id = uniqueName('race');
    const results = await Promise.all([provision(id), provision(id), provision(id)]);
    const last = must(results[results.length - 1], 'a result');
    await expect(connect(last)).resolves.toBeDefined();
    for (const stale of results.slice(0, -1)) {
      await expect(connect(stale)).rejects.toMatchObject({ code: CONNACK_NOT_AUTHORIZED });
    }
  });

  it('refuses worker ids that are not one topic level, before touching the broker', async () => {
    for (const id of ['', 'a/b', '+', '#', `${workerId}/#`]) {
      await expect(credentials.provision(id)).rejects.toThrow(RangeError);
      await expect(credentials.revoke(id)).rejects.toThrow(RangeError);
    }
  });

  it('reports a clear error when its MQTT user may not use the admin API', async () => {
    const creds = await provision(workerId);
    const unprivileged = await connect(creds);
    const logger = await moduleRef.resolve(PinoLogger, undefined, { strict: false });
    const client = new DynsecClient(unprivileged, logger, { timeoutMs: 2_000 });
    try {
      const error = await client.getRole('admin').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokerAdminUnavailableError);
      expect((error as Error).message).toMatch(
        /refused the subscription to \$CONTROL\/dynamic-security\/v1\/response .*is MQTT_USERNAME allowed/,
      );
    } finally {
      client.onModuleDestroy();
    }
  });
});
