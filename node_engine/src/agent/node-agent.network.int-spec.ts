/**
 * The agent in-process with `network.enabled` against the real Mosquitto and Docker (fake
 * registration answer carrying a subnet): the tunnel key goes into the registration and
 * `information`, deploys become network-mode-`none` containers attached to the worker bridge
 * (port mapping and InstanceIP served), `net/peers` is applied, and a restarted agent adopts
 * the containers without restarting them. Unique bridge/tunnel names; everything removed in afterAll.
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
import { loadLocalServices, uniqueName } from '@canopy/testing';
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
  const stateDir = join(mkdtempSync(join(tmpdir(), 'canopy-agentnet-')), 'state');
  const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
  const bodies: RegistrationBody[] = [];
  const received: { topic: string; text: string }[] = [];
  const network: Record<string, unknown> = {
    enabled: true,
    bridge: `cab${id}`,
    interface: `caw${id}`,
    tunnel_port: 51000,
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
    await observer.subscribeAsync(`nodes/${nodeId}/information`, { qos: 1 });
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

  it('a restarted agent adopts the container without restarting it and keeps it reachable', async () => {
    const [before] = await containers();
    const startedAt = (await docker.getContainer(before?.Id ?? '').inspect()).State.StartedAt;
    await agent?.stop();
    agent = newAgent();
    await agent.start();
    await until(async () => (agent?.connected ? true : undefined), 'the MQTT session');
    const [after] = await containers();
    expect(after?.Id).toBe(before?.Id);
    expect((await docker.getContainer(after?.Id ?? '').inspect()).State.StartedAt).toBe(startedAt);
    expect(await httpGet(underlay, hostPort)).toBe('web0');
    expect(await httpGet(instanceIp, 80)).toBe('web0');
  });
});
