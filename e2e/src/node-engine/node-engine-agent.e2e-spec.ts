import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { connectAsync, type MqttClient } from 'mqtt';
import { CanopyNodeRegistrationDto, ClusterRoute, validateDto } from '@canopy/contracts';
import { loadLocalServices, ManagedProcess, uniqueName } from '@canopy/testing';
import { dist } from '../support/stack';

const run = promisify(execFile);

/**
 * The bundled worker agent (dist/node_engine/main.js) as a real process: registration against a
 * stub cluster endpoint (validating bodies with the contracts DTO; the real endpoint belongs to
 * the cluster issue), the real Mosquitto and Docker, kill -9 and restart, the CLI commands.
 */
describe('node engine agent process', () => {
  const services = loadLocalServices();
  const dir = mkdtempSync(join(tmpdir(), 'canopy-ne-e2e-'));
  const nodeId = uniqueName('ne-e2e');
  const nodeName = nodeId.replace(/_/g, '-');
  const jobName = `app.${nodeName}.web.ns`;
  const registrations: CanopyNodeRegistrationDto[] = [];
  const messages: { topic: string; text: string; at: number }[] = [];
  const acceptedToken = 'good-token';
  let server: Server;
  let clusterPort = 0;
  let observer: MqttClient;
  let agent: ManagedProcess | undefined;

  const configPath = (name: string, token: string) => {
    const path = join(dir, `${name}.json`);
    writeFileSync(
      path,
      JSON.stringify({
        cluster_address: '127.0.0.1',
        cluster_port: clusterPort,
        join_token: token,
        state_dir: join(dir, `state-${name}`),
        node_name: nodeName,
        labels: { zone: 'e2e' },
        log_level: 'info',
        network: { enabled: false }, // Docker's bridge, on the host's namespace
      }),
    );
    return path;
  };
  const cli = (args: string[]) =>
    run(process.execPath, [dist('node_engine'), ...args], { timeout: 60_000 }).catch(
      (e: { stdout: string; stderr: string; code: number }) => e,
    );
  const start = (config: string) =>
    ManagedProcess.start({
      name: 'node_engine',
      command: process.execPath,
      args: [dist('node_engine'), 'start', '--config', config],
      env: {},
    });
  const waitFor = async <T>(
    probe: () => T | undefined,
    what: string,
    ms = 20_000,
    proc?: ManagedProcess,
  ): Promise<T> => {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = probe();
      if (hit !== undefined) return hit;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}\n${proc?.logs.slice(-3000) ?? ''}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  };
  const find = (suffix: string, since: number, match: (text: string) => boolean = () => true) =>
    messages.find((m) => m.topic === `nodes/${nodeId}/${suffix}` && m.at >= since && match(m.text));
  const containers = async () =>
    (
      await run('docker', [
        'ps',
        '-aq',
        '--no-trunc',
        '--filter',
        `label=io.canopy.node_id=${nodeId}`,
      ])
    ).stdout
      .split('\n')
      .filter(Boolean);

  beforeAll(async () => {
    server = createServer((req, res) => {
      let text = '';
      req.on('data', (c) => (text += String(c)));
      req.on('end', () => {
        const result = validateDto(CanopyNodeRegistrationDto, JSON.parse(text), {
          forbidUnknown: true,
        });
        const reply = (status: number, body: unknown) =>
          res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (req.url !== ClusterRoute.NODE_REGISTER || !result.ok) {
          reply(400, { message: 'bad request' });
          return;
        }
        registrations.push(result.value);
        if (result.value.join_token !== acceptedToken) {
          reply(401, { message: 'invalid join token' });
          return;
        }
        reply(200, {
          id: result.value.id ?? nodeId,
          MQTT_BROKER_PORT: new URL(services.mqttUrl).port,
          mqtt_username: services.mqttAdminUsername,
          mqtt_password: services.mqttAdminPassword,
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    clusterPort = (server.address() as AddressInfo).port;
    observer = await connectAsync(services.mqttUrl, {
      username: services.mqttAdminUsername,
      password: services.mqttAdminPassword,
      clientId: uniqueName('e2e-observer'),
      reconnectPeriod: 0,
    });
    observer.on('message', (topic, payload) =>
      messages.push({ topic, text: payload.toString(), at: Date.now() }),
    );
    await observer.subscribeAsync(`nodes/${nodeId}/#`, { qos: 1 });
  });

  afterAll(async () => {
    await agent?.stop();
    for (const id of await containers())
      await run('docker', ['rm', '-f', id]).catch(() => undefined);
    await observer.publishAsync(`nodes/${nodeId}/status`, '', { qos: 1, retain: true });
    await observer.endAsync();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to join with a bad token: exit code 1 and a message that says what to do', async () => {
    const bad = await start(configPath('bad', 'wrong-token'));
    expect(await bad.exited()).toEqual({ code: 1, signal: null });
    expect(bad.logs).toMatch(
      /cannot join the cluster: the cluster refused the join token \(HTTP 401: invalid join token\)/,
    );
    expect(bad.logs).toContain('canopy-node config set join_token');
    expect(bad.logs).not.toContain('wrong-token');
  });

  it('registers, connects, deploys on control/deploy, and the CLI shows status and logs', async () => {
    const config = configPath('good', 'good-token');
    const since = Date.now();
    agent = await start(config);
    await waitFor(() => find('status', since, (t) => t === 'online'), 'online', 20_000, agent);
    expect(registrations.at(-1)).toMatchObject({
      host: nodeName,
      join_token: 'good-token',
      labels: { zone: 'e2e' },
    });
    expect(registrations.at(-1)?.id).toBeUndefined();

    const deployAt = Date.now();
    await observer.publishAsync(
      `nodes/${nodeId}/control/deploy`,
      JSON.stringify({
        job_name: jobName,
        instance_number: 0,
        image: services.testImage,
        cmd: ['sh', '-c', 'echo hello from e2e; trap "exit 0" TERM; while true; do sleep 1; done'],
        environment: ['A=1'],
        virtualization: 'docker',
        memory: 16,
        vcpus: 1,
        generation: 1,
      }),
      { qos: 1 },
    );
    await waitFor(
      () => find('job', deployAt, (t) => t.includes('"RUNNING"')),
      'RUNNING',
      20_000,
      agent,
    );
    await waitFor(
      () => find('jobs/resources', deployAt, (t) => t.includes('hello from e2e')),
      'log tail in resources',
      10_000,
      agent,
    );

    const status = await cli(['status', '--config', config]);
    expect(status.stdout).toContain(`node id:       ${nodeId}`);
    expect(status.stdout).toMatch(/agent:\s+running \(pid \d+\)/);
    expect(status.stdout).toMatch(
      new RegExp(`${jobName.replace(/\./g, '\\.')}\\s+0\\s+1\\s+\\S+\\s+RUNNING`),
    );
    const json = JSON.parse((await cli(['status', '--config', config, '--json'])).stdout) as {
      nodeId: string;
    };
    expect(json.nodeId).toBe(nodeId);
    const logs = await cli(['logs', jobName, '0', '--config', config]);
    expect(logs.stdout).toContain('hello from e2e');
  });

  it('kill -9: the broker publishes the last will (offline); a restart re-registers with the same id and adopts the container', async () => {
    const config = configPath('good', 'good-token');
    const [containerId] = await containers();
    const startedAt = (
      await run('docker', ['inspect', '-f', '{{.State.StartedAt}}', containerId ?? ''])
    ).stdout.trim();
    const killedAt = Date.now();
    await agent?.kill9();
    await waitFor(
      () => find('status', killedAt, (t) => t === 'offline'),
      'last will offline',
      15_000,
    );

    const restartedAt = Date.now();
    const registered = registrations.length;
    agent = await start(config);
    // From its persisted state: the container is re-reported without waiting for the cluster.
    await waitFor(
      () => find('job', restartedAt, (t) => t.includes('"RUNNING"')),
      'RUNNING re-reported',
      15_000,
      agent,
    );
    await waitFor(() => registrations[registered], 're-registration', 15_000, agent);
    expect(registrations[registered]?.id).toBe(nodeId);
    expect(await containers()).toEqual([containerId]);
    expect(
      (
        await run('docker', ['inspect', '-f', '{{.State.StartedAt}}', containerId ?? ''])
      ).stdout.trim(),
    ).toBe(startedAt);
  });

  it('config set edits the file atomically and validates it', async () => {
    const config = configPath('edit', 'x');
    expect(
      (await cli(['config', 'set', 'labels.zone', 'hall', '--config', config])).stdout,
    ).toContain('labels.zone set');
    const bad = (await cli(['config', 'set', 'cluster_port', '70000', '--config', config])) as {
      stderr: string;
      code?: number;
    };
    expect(bad.stderr).toMatch(/not saved.*\n.*cluster_port: must not be greater than 65535/);
    expect(bad.code).toBe(1);
    const shown = JSON.parse((await cli(['config', 'show', '--config', config])).stdout) as Record<
      string,
      unknown
    >;
    expect(shown).toMatchObject({
      labels: { zone: 'hall' },
      join_token: '<redacted>',
      cluster_port: clusterPort,
    });
  });

  it('stop --purge ends the agent (offline) and removes its containers', async () => {
    const config = configPath('good', 'good-token');
    const stoppedAt = Date.now();
    const out = await cli(['stop', '--purge', '--config', config]);
    expect(out.stdout).toContain('node engine stopped');
    expect(out.stdout).toMatch(/removed 1 container\(s\)/);
    expect(await agent?.exited()).toEqual({ code: 0, signal: null });
    await waitFor(() => find('status', stoppedAt, (t) => t === 'offline'), 'offline');
    expect(await containers()).toEqual([]);
    agent = undefined;
  });
});
