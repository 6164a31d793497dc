import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Docker from 'dockerode';
import { connectAsync, type MqttClient } from 'mqtt';
import pino from 'pino';
import {
  CanopyJobStatusDto,
  CanopyJobsResourcesDto,
  CanopyNodeInfoDto,
  parsePayload,
  type ControlDeployDto,
} from '@canopy/contracts';
import { loadLocalServices, uniqueName } from '@canopy/testing';
import { loadNodeConfig } from '../config/node-config.loader';
import { CanopyLabel } from '../runtime/container-labels';
import { NodeAgent, type Registrar } from './node-agent';

const run = promisify(execFile);

interface Received {
  topic: string;
  text: string;
  at: number;
  retain: boolean;
}

/**
 * The agent in-process against the real Mosquitto and Docker, with a fake registration result
 * (the local admin credentials stand in for the per-worker ones the cluster will issue).
 */
describe(`${NodeAgent.name} (MQTT + Docker)`, () => {
  const services = loadLocalServices();
  const docker = new Docker({ socketPath: services.dockerSocket });
  const nodeId = uniqueName('ne-agent');
  const jobName = `app.${nodeId.replace(/_/g, '-')}.web.ns`;
  const stateDir = join(mkdtempSync(join(tmpdir(), 'canopy-agent-')), 'state');
  /** Warnings and errors the agent logged (captured, not printed). */
  const logged: { msg: string; job?: string }[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => logged.push(JSON.parse(line) as { msg: string; job?: string }) },
  );
  const received: Received[] = [];
  let observer: MqttClient;
  let agent: NodeAgent | undefined;

  const registrar: Registrar = {
    register: async () => ({
      id: nodeId,
      mqttBrokerPort: Number(new URL(services.mqttUrl).port || 1883),
      mqttUsername: services.mqttAdminUsername,
      mqttPassword: services.mqttAdminPassword,
    }),
  };

  const newAgent = () =>
    new NodeAgent(
      loadNodeConfig('node.json', () =>
        JSON.stringify({
          cluster_address: new URL(services.mqttUrl).hostname,
          state_dir: stateDir,
          node_name: nodeId,
          labels: { zone: 'int' },
          runtime: { docker_socket: services.dockerSocket, restart_backoff_max_seconds: 2 },
          network: { enabled: false }, // Docker's bridge; the data plane has its own int-spec
        }),
      ),
      { logger, registrar, mqttUrl: () => services.mqttUrl, pidFile: false },
    );

  const topic = (kind: 'information' | 'jobs/resources' | 'job' | 'status') =>
    `nodes/${nodeId}/${kind}`;
  const on = (t: string, since = 0) => received.filter((m) => m.topic === t && m.at >= since);

  async function waitFor(
    predicate: () => Received | undefined,
    what: string,
    ms = 20_000,
  ): Promise<Received> {
    const deadline = Date.now() + ms;
    for (;;) {
      const hit = predicate();
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  const jobEvent =
    (status: string, instance: number, since = 0) =>
    () =>
      on(topic('job'), since).find((m) => {
        const body = JSON.parse(m.text) as { status: string; instance: number };
        return body.status === status && body.instance === instance;
      });

  const deployBody = (
    instance: number,
    generation: number,
    extra: Partial<ControlDeployDto> = {},
  ) =>
    JSON.stringify({
      _id: '665f1c2e9b1e8a0012345678',
      job_name: jobName,
      instance_number: instance,
      image: services.testImage,
      cmd: ['sh', '-c', 'echo started instance; trap "exit 0" TERM; while true; do sleep 1; done'],
      environment: ['ROLE=web'],
      virtualization: 'docker',
      vcpus: 1,
      memory: 32,
      status: 'NODE_SCHEDULED',
      generation,
      ...extra,
    });

  const unreachableWarnings = () =>
    logged.filter((l) => l.job === jobName && l.msg.includes('the data plane is off'));

  const publish = (kind: 'deploy' | 'delete', body: string) =>
    observer.publishAsync(`nodes/${nodeId}/control/${kind}`, body, { qos: 1 });

  const containers = async () =>
    docker.listContainers({ all: true, filters: { label: [`${CanopyLabel.NODE_ID}=${nodeId}`] } });

  beforeAll(async () => {
    observer = await connectAsync(services.mqttUrl, {
      username: services.mqttAdminUsername,
      password: services.mqttAdminPassword,
      clientId: uniqueName('observer'),
      reconnectPeriod: 0,
    });
    observer.on('message', (t, payload, packet) =>
      received.push({ topic: t, text: payload.toString(), at: Date.now(), retain: packet.retain }),
    );
    await observer.subscribeAsync(`nodes/${nodeId}/#`, { qos: 1 });
    agent = newAgent();
    await agent.start();
  });

  afterAll(async () => {
    await agent?.stop();
    for (const c of await containers()) await docker.getContainer(c.Id).remove({ force: true });
    await observer.publishAsync(topic('status'), '', { qos: 1, retain: true }); // clear the retained status
    await observer.endAsync();
    await rm(join(stateDir, '..'), { recursive: true, force: true });
  });

  it('announces itself with a retained online status', async () => {
    await waitFor(() => on(topic('status')).find((m) => m.text === 'online'), 'online');
    const late = await connectAsync(services.mqttUrl, {
      username: services.mqttAdminUsername,
      password: services.mqttAdminPassword,
      clientId: uniqueName('late'),
      reconnectPeriod: 0,
    });
    try {
      const retained = new Promise<string>((resolve) =>
        late.on('message', (_t, p) => resolve(p.toString())),
      );
      await late.subscribeAsync(topic('status'), { qos: 1 });
      expect(await retained).toBe('online');
    } finally {
      await late.endAsync();
    }
  });

  it('publishes valid information and jobs/resources every 2 s', async () => {
    const since = Date.now();
    await waitFor(() => on(topic('information'), since)[2], 'three information reports', 10_000);
    const infos = on(topic('information'), since);
    const gaps = infos.slice(1).map((m, i) => m.at - (infos[i]?.at ?? 0));
    for (const gap of gaps) expect(gap).toBeGreaterThan(1_500);
    for (const gap of gaps) expect(gap).toBeLessThan(2_600);
    const info = parsePayload(CanopyNodeInfoDto, infos[0]?.text ?? '', { forbidUnknown: true });
    expect(info).toMatchObject({
      ok: true,
      value: { id: nodeId, host: nodeId, labels: { zone: 'int' }, virtualization: ['docker'] },
    });
    if (info.ok) {
      expect(info.value.vcpus).toBeGreaterThan(0);
      expect(info.value.memory).toBeGreaterThan(0);
      expect(info.value.system_info?.['os_version']).toMatch(/\S/); // a non-empty OS description
    }
    const resources = on(topic('jobs/resources'), since);
    expect(resources.length).toBeGreaterThanOrEqual(2);
    expect(
      parsePayload(CanopyJobsResourcesDto, resources[0]?.text ?? '', { forbidUnknown: true }),
    ).toMatchObject({
      ok: true,
      value: { services: [] },
    });
  });

  it('deploys on control/deploy and reports RUNNING; measures against a bare docker run', async () => {
    const since = Date.now();
    // An InstanceIP from the hierarchy, on a worker without the data plane: warned about once.
    await publish('deploy', deployBody(0, 1, { instance_ip: '10.30.7.7' }));
    const running = await waitFor(jobEvent('RUNNING', 0, since), 'RUNNING');
    const deployToRunningMs = running.at - since;
    const event = parsePayload(CanopyJobStatusDto, running.text, { forbidUnknown: true });
    expect(event).toMatchObject({
      ok: true,
      value: { sname: jobName, instance: 0, status: 'RUNNING', generation: 1 },
    });
    expect(
      on(topic('job'), since).map((m) => (JSON.parse(m.text) as { status: string }).status),
    ).toEqual(['CREATING', 'RUNNING']);
    const [c] = await containers();
    const info = await docker.getContainer(c?.Id ?? '').inspect();
    expect(info.Config.Env).toContain('ROLE=web');
    expect(info.HostConfig.Memory).toBe(32 * 1024 * 1024);
    expect(unreachableWarnings()).toHaveLength(1);

    const bareStart = Date.now();
    const { stdout } = await run('docker', [
      'run',
      '-d',
      '--rm',
      '--label',
      `${CanopyLabel.NODE_ID}=${nodeId}-bare`,
      services.testImage,
      'sleep',
      '5',
    ]);
    const bareMs = Date.now() - bareStart;
    await run('docker', ['rm', '-f', stdout.trim()]).catch(() => undefined);
    // Reported in the issue notes; logged here so every run shows the figures.
    process.stdout.write(
      `control/deploy → RUNNING: ${deployToRunningMs} ms; bare docker run -d: ${bareMs} ms\n`,
    );

    const withService = await waitFor(
      () =>
        on(topic('jobs/resources'), running.at).find((m) =>
          (JSON.parse(m.text) as { services: { logs: string }[] }).services.some((s) =>
            s.logs.includes('started instance'),
          ),
        ),
      'resources with the instance and its log tail',
      8_000,
    );
    const report = parsePayload(CanopyJobsResourcesDto, withService.text, { forbidUnknown: true });
    expect(report).toMatchObject({
      ok: true,
      value: {
        services: [
          {
            job_name: jobName,
            instance: 0,
            virtualization: 'docker',
            generation: 1,
            restart_count: 0,
          },
        ],
      },
    });
  });

  it('ignores duplicated and stale deploys (generation) without touching the container', async () => {
    const [before] = await containers();
    await publish('deploy', deployBody(0, 1, { instance_ip: '10.30.7.7' })); // duplicate
    await publish('deploy', deployBody(0, 0, { environment: ['ROLE=old'] })); // stale
    await new Promise((r) => setTimeout(r, 1_000));
    await agent?.reconcileLoop?.trigger('test');
    const after = await containers();
    expect(after.map((c) => c.Id)).toEqual([before?.Id]);
    expect(unreachableWarnings()).toHaveLength(1); // once per service, not per deploy
  });

  it('drops malformed payloads and keeps working', async () => {
    for (const bad of [
      '{not json',
      '[]',
      JSON.stringify({ job_name: jobName }),
      deployBody(1, 1, { memory: -1 } as never),
      '',
    ]) {
      await publish('deploy', bad);
    }
    await observer.publishAsync(`nodes/${nodeId}/control/delete`, '{"instance_number":"zero"}', {
      qos: 1,
    });
    const since = Date.now();
    await publish('deploy', deployBody(1, 1));
    await waitFor(jobEvent('RUNNING', 1, since), 'RUNNING of instance 1 after garbage');
    expect(
      agent
        ?.desiredInstances()
        .map((d) => d.key)
        .sort(),
    ).toEqual([`${jobName}#0`, `${jobName}#1`]);
  });

  it('removes an instance on control/delete and reports UNDEPLOYED', async () => {
    const since = Date.now();
    await publish(
      'delete',
      JSON.stringify({
        job_name: jobName,
        instance_number: 1,
        virtualization: 'docker',
        generation: 1,
      }),
    );
    await waitFor(jobEvent('UNDEPLOYED', 1, since), 'UNDEPLOYED');
    const left = await containers();
    expect(left.map((c) => c.Labels[CanopyLabel.INSTANCE_NUMBER])).toEqual(['0']);
    const desired = JSON.parse(readFileSync(join(stateDir, 'desired.json'), 'utf8')) as {
      instances: { deploy: { instance_number: number } }[];
      tombstones: { key: string; generation: number }[];
    };
    expect(desired.instances.map((i) => i.deploy.instance_number)).toEqual([0]);
    expect(desired.tombstones).toEqual([
      expect.objectContaining({ key: `${jobName}#1`, generation: 1 }),
    ]);
    // The delete overtook by a late deploy of the same generation: ignored.
    await publish('deploy', deployBody(1, 1));
    await new Promise((r) => setTimeout(r, 500));
    expect((await containers()).length).toBe(1);
  });

  it('stops with a retained offline, leaves the container running, and a new agent adopts it', async () => {
    const [before] = await containers();
    const beforeInfo = await docker.getContainer(before?.Id ?? '').inspect();
    const stoppedAt = Date.now();
    await agent?.stop();
    await waitFor(
      () => on(topic('status'), stoppedAt).find((m) => m.text === 'offline'),
      'offline',
    );
    expect((await docker.getContainer(before?.Id ?? '').inspect()).State.Running).toBe(true);

    const restartedAt = Date.now();
    agent = newAgent();
    await agent.start();
    await waitFor(
      () => on(topic('status'), restartedAt).find((m) => m.text === 'online'),
      'online again',
    );
    // Re-reported within one cycle, without a restart of the container.
    await waitFor(jobEvent('RUNNING', 0, restartedAt), 'RUNNING re-reported', 5_000);
    // The first resources report after the restart already lists the adopted instance: the
    // agent sends none before it has looked at its containers (an empty list would tell the
    // cluster the instance is gone).
    const online = on(topic('status'), restartedAt).find((m) => m.text === 'online');
    const resources = await waitFor(
      () => on(topic('jobs/resources'), restartedAt)[0],
      'resources after restart',
      5_000,
    );
    console.log(
      `agent restart: online → first jobs/resources ${resources.at - (online?.at ?? 0)} ms`,
    );
    const listed = (
      JSON.parse(resources.text) as { services: { job_name: string; instance: number }[] }
    ).services;
    expect(listed.map((x) => [x.job_name, x.instance])).toEqual([[jobName, 0]]);
    const afterInfo = await docker.getContainer(before?.Id ?? '').inspect();
    expect(afterInfo.State.StartedAt).toBe(beforeInfo.State.StartedAt);
    expect((await containers()).map((c) => c.Id)).toEqual([before?.Id]);
  });
});
