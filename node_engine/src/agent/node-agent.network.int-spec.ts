/**
 * The agent in-process with `network.enabled` against the real Mosquitto and Docker (fake
 * registration answer carrying a subnet): the tunnel key goes into the registration and
 * `information`, deploys become network-mode-`none` containers attached to the worker bridge
 * (port mapping and InstanceIP served), `net/peers` is applied, a table miss becomes a table
 * query whose answer makes the client's (retried) connection work, interests follow
 * `updates_available` and expire, and a restarted agent adopts the containers without
 * restarting them. Unique bridge/tunnel names; everything removed in afterAll.
 */
import { randomBytes, randomInt } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { connectAsync, type MqttClient } from 'mqtt';
import pino from 'pino';
import { CanopyNodeInfoDto, parsePayload, WIREGUARD_KEY_PATTERN } from '@canopy/contracts';
import { loadLocalServices, uniqueName, execIn as execInContainer } from '@canopy/testing';
import { loadNodeConfig } from '../config/node-config.loader';
import { netManagerConfigFor } from '../instance-network/network-setup';
import { localAddressTowards } from '../monitoring/node-info.collector';
import { CommandRunner, NetManager } from '../network';
import { CanopyLabel } from '../runtime/container-labels';
import type { RegistrationBody } from '../registration/cluster-registration.client';
import { NodeAgent, type Registrar } from './node-agent';

jest.setTimeout(60_000);

describe(`${NodeAgent.name} with network.enabled (MQTT + Docker + kernel)`, () => {
  const services = loadLocalServices();
  const docker = new Docker({ socketPath: services.dockerSocket });
  const nodeId = uniqueName('ne-agentnet');
  const id = randomBytes(3).toString('hex');
  const jobName = `app.${id}.web.ns`;
  const subnet = `10.253.${randomInt(0, 255)}.0/26`;
  const hostPort = randomInt(30_000, 32_000);
  const instanceIp = `10.30.${randomInt(1, 250)}.21`;
  /** A ServiceIP of "another cluster's" service: nothing on this worker knows it at first. */
  const remoteIp = `10.30.${randomInt(1, 250)}.77`;
  const remoteJob = `remote.${id}.db.ns`;
  const clientJob = `client.${id}.cli.ns`;
  const stateDir = join(mkdtempSync(join(tmpdir(), 'canopy-agentnet-')), 'state');
  const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
  const bodies: RegistrationBody[] = [];
  const received: { topic: string; text: string }[] = [];
  const network: Record<string, unknown> = {
    enabled: true,
    bridge: `cab${id}`,
    interface: `caw${id}`,
    tunnel_port: 51000,
    interest_ttl_seconds: 3,
  };
  let observer: MqttClient;
  let agent: NodeAgent | undefined;
  let underlay = '';

  const registrar: Registrar = {
    register: async (body) => {
      bodies.push(body);
      return {
        id: nodeId,
        mqttBrokerPort: Number(new URL(services.mqttUrl).port || 1883),
        mqttUsername: services.mqttAdminUsername,
        mqttPassword: services.mqttAdminPassword,
        subnetwork: subnet,
      };
    },
  };
  const config = () =>
    loadNodeConfig('node.json', () =>
      JSON.stringify({
        cluster_address: new URL(services.mqttUrl).hostname,
        state_dir: stateDir,
        node_name: nodeId,
        runtime: { docker_socket: services.dockerSocket, stop_timeout_seconds: 1 },
        network,
      }),
    );
  const newAgent = () =>
    new NodeAgent(config(), { logger, registrar, mqttUrl: () => services.mqttUrl, pidFile: false });

  /** `nft monitor trace` children of this test process (the agent runs in-process). */
  const agentNftMonitors = async () => {
    const out = await new CommandRunner().run(
      ['pgrep', '-P', String(process.pid), '-f', 'nft monitor trace'],
      {
        check: false,
      },
    );
    return out.stdout.split('\n').filter(Boolean);
  };

  const containers = async () =>
    docker.listContainers({ all: true, filters: { label: [`${CanopyLabel.NODE_ID}=${nodeId}`] } });

  async function until<T>(probe: () => Promise<T | undefined>, what: string, ms = 20_000) {
    const deadline = Date.now() + ms;
    for (;;) {
      const value = await probe();
      if (value !== undefined) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  const httpGet = (host: string, port: number) =>
    new Promise<string>((resolve) => {
      const req = request({ host, port, path: '/', timeout: 2000 }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body.trim()));
      });
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve(`error: ${e.message}`));
      req.end();
    });

  const execIn = (containerId: string, cmd: string[]): Promise<string> =>
    execInContainer(docker, containerId, cmd);

  const deploy = (job: string, body: string, extra: Record<string, unknown> = {}) =>
    observer.publishAsync(
      `nodes/${nodeId}/control/deploy`,
      JSON.stringify({
        job_name: job,
        instance_number: 0,
        image: services.testImage,
        cmd: [
          'sh',
          '-c',
          `mkdir -p /www && echo ${body} > /www/index.html && exec httpd -f -p 80 -h /www`,
        ],
        environment: [],
        virtualization: 'docker',
        vcpus: 1,
        memory: 32,
        generation: 1,
        ...extra,
      }),
      { qos: 1 },
    );

  /** The cluster's answer: `job` at `serviceIp`, its instance `backend` presented as another cluster's. */
  const answerQuery = (job: string, queryKey: string, serviceIp: string, backend: string) =>
    observer.publishAsync(
      `nodes/${nodeId}/net/tablequery/result`,
      JSON.stringify({
        app_name: job,
        query_key: queryKey,
        found: true,
        service_ips: [{ IpType: 'RR', Address: serviceIp }],
        instance_list: [
          { instance_number: 0, namespace_ip: backend, worker_id: 'w-far', cluster_id: 'c-far' },
        ],
      }),
      { qos: 1 },
    );

  const messagesOn = (suffix: string) =>
    received
      .filter((m) => m.topic === `nodes/${nodeId}/${suffix}`)
      .map((m) => JSON.parse(m.text) as Record<string, unknown>);

  /** The running container of `job` (waits for it). */
  const runningContainer = (job: string, what: string) =>
    until(async () => {
      const c = (await containers()).find((x) => x.Labels[CanopyLabel.JOB_NAME] === job);
      return c?.State === 'running' ? c : undefined;
    }, what);

  /** This agent's DNAT rules (its table is named after its bridge). */
  const servicesChain = async () =>
    (await new CommandRunner().run(['nft', 'list', 'chain', 'inet', `canopy_cab${id}`, 'services']))
      .stdout;

  /** Waits until the agent has published on `nodes/<id>/<suffix>` a message with `field` = `value`. */
  const sent = (suffix: string, field: string, value: string, what: string, ms?: number) =>
    until(
      async () => (messagesOn(suffix).some((m) => m[field] === value) ? true : undefined),
      what,
      ms,
    );

  beforeAll(async () => {
    // The local services listen on loopback; a worker's underlay is a routable address.
    underlay = await localAddressTowards('192.0.2.1');
    network.underlay_address = underlay;
    observer = await connectAsync(services.mqttUrl, {
      username: services.mqttAdminUsername,
      password: services.mqttAdminPassword,
      clientId: uniqueName('observer'),
      reconnectPeriod: 0,
    });
    observer.on('message', (t, p) => received.push({ topic: t, text: p.toString() }));
    await observer.subscribeAsync(
      [
        `nodes/${nodeId}/information`,
        `nodes/${nodeId}/net/service/deployed`,
        `nodes/${nodeId}/net/tablequery/request`,
        `nodes/${nodeId}/net/interest/remove`,
      ],
      { qos: 1 },
    );
    agent = newAgent();
    await agent.start();
    await until(async () => (agent?.connected ? true : undefined), 'the MQTT session');
  });

  afterAll(async () => {
    await agent?.stop();
    for (const c of await containers()) await docker.getContainer(c.Id).remove({ force: true });
    await new NetManager({
      runner: new CommandRunner(),
      config: netManagerConfigFor(config().network),
    }).cleanup();
    await observer.publishAsync(`nodes/${nodeId}/status`, '', { qos: 1, retain: true });
    await observer.publishAsync(`nodes/${nodeId}/net/peers`, '', { qos: 1, retain: true });
    await observer.endAsync();
    expect(await agentNftMonitors()).toEqual([]); // the agent's `nft monitor trace` ended with it
    await rm(join(stateDir, '..'), { recursive: true, force: true });
  });

  it('sends its WireGuard public key and tunnel port at registration and in information', async () => {
    expect(bodies[0]).toMatchObject({ tunnel_port: 51000, port: '51000' });
    expect(bodies[0]?.wg_public_key).toMatch(WIREGUARD_KEY_PATTERN);
    const info = await until(
      async () => received.find((m) => m.topic === `nodes/${nodeId}/information`),
      'information',
    );
    const parsed = parsePayload(CanopyNodeInfoDto, info.text, { forbidUnknown: true });
    expect(parsed).toMatchObject({
      ok: true,
      value: { tunnel_port: 51000, wg_public_key: bodies[0]?.wg_public_key },
    });
  });

  it('runs a deploy in its own namespace: port mapping and InstanceIP answer', async () => {
    await observer.publishAsync(
      `nodes/${nodeId}/control/deploy`,
      JSON.stringify({
        job_name: jobName,
        instance_number: 0,
        image: services.testImage,
        cmd: [
          'sh',
          '-c',
          'mkdir -p /www && echo web0 > /www/index.html && exec httpd -f -p 80 -h /www',
        ],
        environment: [],
        virtualization: 'docker',
        vcpus: 1,
        memory: 32,
        port: `${hostPort}:80`,
        instance_ip: instanceIp,
        generation: 1,
      }),
      { qos: 1 },
    );
    const [c] = await until(async () => {
      const list = await containers();
      return list[0]?.State === 'running' ? list : undefined;
    }, 'a running container');
    expect(c?.HostConfig.NetworkMode).toBe('none');
    expect(
      await until(async () => {
        const body = await httpGet(underlay, hostPort);
        return body === 'web0' ? body : undefined;
      }, 'the port mapping'),
    ).toBe('web0');
    expect(await httpGet(instanceIp, 80)).toBe('web0'); // local process → InstanceIP DNAT
  });

  it('applies a retained net/peers list', async () => {
    const runner = new CommandRunner();
    const peerKey = (await runner.run(['wg', 'genkey'])).stdout.trim();
    const publicKey = (await runner.run(['wg', 'pubkey'], { input: `${peerKey}\n` })).stdout.trim();
    await observer.publishAsync(
      `nodes/${nodeId}/net/peers`,
      JSON.stringify({
        revision: 1,
        peers: [
          {
            id: 'w2',
            subnet: '10.254.0.64/26',
            endpoint: '192.0.2.7',
            port: 50103,
            public_key: publicKey,
          },
        ],
      }),
      { qos: 1, retain: true },
    );
    await until(async () => {
      const out = await runner.run(['wg', 'show', String(network['interface']), 'peers'], {
        check: false,
      });
      return out.stdout.includes(publicKey) ? true : undefined;
    }, 'the peer on the tunnel');
  });

  it('turns a table miss into a query; the answer makes the retried connection work', async () => {
    await deploy(clientJob, 'client');
    const client = await runningContainer(clientJob, 'the client container');
    const backend = await until(
      async () =>
        messagesOn('net/service/deployed').find((m) => m['appname'] === jobName)?.['nsip'] as
          string | undefined,
      'the backend namespace IP',
    );
    await sent('net/service/deployed', 'appname', clientJob, 'client attached');

    expect(await agentNftMonitors()).toHaveLength(1); // one trace reader, ended at stop
    const started = Date.now();
    const fetched = execIn(client.Id, [
      'sh',
      '-c',
      `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 8 ${remoteIp} 80`,
    ]).then((out) => ({ body: out.split(/\r?\n/).pop() ?? '', at: Date.now() }));
    await sent('net/tablequery/request', 'sip', remoteIp, 'the table query', 5_000);
    const queriedAt = Date.now();
    await answerQuery(remoteJob, remoteIp, remoteIp, backend);
    const result = await fetched;
    process.stderr.write(
      `[table-query] miss → request ${queriedAt - started} ms (incl. docker exec start); ` +
        `miss → working connection ${result.at - started} ms\n`,
    );
    expect(result.body).toBe('web0');
    expect(queriedAt - started).toBeLessThan(2_000);
    expect(result.at - started).toBeLessThan(5_000);
    expect(messagesOn('net/tablequery/request').filter((m) => m['sip'] === remoteIp)).toHaveLength(
      1,
    );

    // A job update signal makes the agent ask again, by name.
    await observer.publishAsync(
      `jobs/${remoteJob}/updates_available`,
      JSON.stringify({ type: 'DEPLOYMENT' }),
      { qos: 1 },
    );
    await sent('net/tablequery/request', 'sname', remoteJob, 'the re-query by name', 5_000);
  });

  it('drops an idle interest: interest/remove, rule gone, updates no longer followed', async () => {
    const removal = await until(
      async () => messagesOn('net/interest/remove').find((m) => m['appname'] === remoteJob),
      'net/interest/remove',
      15_000,
    );
    expect(removal).toEqual({ appname: remoteJob });
    // This agent's bridge is not the default one: its table is named after it (and so never
    // replaces the table of a Canopy worker running on the same host).
    const chain = await servicesChain();
    expect(chain).not.toContain(remoteIp);
    expect(chain).toContain(instanceIp); // the worker's own InstanceIP stays
    const before = messagesOn('net/tablequery/request').length;
    await observer.publishAsync(
      `jobs/${remoteJob}/updates_available`,
      JSON.stringify({ type: 'DEPLOYMENT' }),
      { qos: 1 },
    );
    await new Promise((r) => setTimeout(r, 1_500));
    expect(messagesOn('net/tablequery/request')).toHaveLength(before);
  });

  it("asks for the tables of a deploy's sibling services at once: the first packet finds its rule", async () => {
    // Another address than remoteIp (same random third octet, other host part).
    const siblingIp = remoteIp.replace(/\.77$/, '.78');
    const siblingJob = `client.${id}.db.ns`;
    const callerJob = `client.${id}.caller.ns`;
    const backend = messagesOn('net/service/deployed').find((m) => m['appname'] === jobName)?.[
      'nsip'
    ] as string;
    await deploy(callerJob, 'caller', { sibling_services: [siblingJob, 'bad/topic'] });
    await sent('net/tablequery/request', 'sname', siblingJob, 'the prefetch query', 5_000);
    expect(messagesOn('net/tablequery/request')).not.toContainEqual({ sname: 'bad/topic' });
    await answerQuery(siblingJob, siblingJob, siblingIp, backend);
    await until(
      async () => ((await servicesChain()).includes(siblingIp) ? true : undefined),
      'the prefetched rule',
      5_000,
    );
    const caller = await runningContainer(callerJob, 'the caller container');
    await sent('net/service/deployed', 'appname', callerJob, 'caller attached');
    const started = Date.now();
    const out = await execIn(caller.Id, [
      'sh',
      '-c',
      `printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 2 ${siblingIp} 80`,
    ]);
    process.stderr.write(
      `[prefetch] first connection to ${siblingIp}: ${Date.now() - started} ms\n`,
    );
    expect(out.split(/\r?\n/).pop()).toBe('web0');
    // No miss: nothing was asked about the address.
    expect(messagesOn('net/tablequery/request').filter((m) => m['sip'] === siblingIp)).toEqual([]);
    // Idle past the interest TTL (3 s): a sibling of a running instance is still followed.
    await new Promise((r) => setTimeout(r, 4_500));
    expect(messagesOn('net/interest/remove')).not.toContainEqual({ appname: siblingJob });
    expect(await servicesChain()).toContain(siblingIp);
  });

  it('a restarted agent adopts the container without restarting it and keeps it reachable', async () => {
    const web = async () =>
      (await containers()).find((c) => c.Labels[CanopyLabel.JOB_NAME] === jobName);
    const before = await web();
    const startedAt = (await docker.getContainer(before?.Id ?? '').inspect()).State.StartedAt;
    await agent?.stop();
    agent = newAgent();
    await agent.start();
    await until(async () => (agent?.connected ? true : undefined), 'the MQTT session');
    const after = await web();
    expect(after?.Id).toBe(before?.Id);
    expect((await docker.getContainer(after?.Id ?? '').inspect()).State.StartedAt).toBe(startedAt);
    expect(await httpGet(underlay, hostPort)).toBe('web0');
    expect(await httpGet(instanceIp, 80)).toBe('web0');
  });
});
