import Docker from 'dockerode';
import pino from 'pino';
import { freePort, loadLocalServices, uniqueName } from '@canopy/testing';
import type { FinishedRecord } from '../desired/desired-set';
import { ReconcileLoop } from '../reconcile/reconcile-loop';
import { DEFAULT_RECONCILE_POLICY, type DesiredInstance } from '../reconcile/reconcile.types';
import { StatusReporter, type InstanceStatusEvent } from '../reconcile/status-reporter';
import { factory } from '../testing/factories';
import { CanopyLabel } from './container-labels';
import { DockerRuntimeDriver } from './docker-runtime.driver';
import { runtimeRegistry } from './runtime-driver';

const MB = 1024 * 1024;

/** The reconcile loop on the real Docker engine with the FROM-scratch busybox test image. */
describe(DockerRuntimeDriver.name, () => {
  const services = loadLocalServices();
  const docker = new Docker({ socketPath: services.dockerSocket });
  const nodeId = uniqueName('ne-int');
  const logger = pino({ level: process.env['LOG_LEVEL'] ?? 'silent' });
  const loops: ReconcileLoop[] = [];
  const job = (name: string) => `${name}.${nodeId.replace(/_/g, '-')}.svc.ns`;

  function agent(desired: () => DesiredInstance[]) {
    const events: InstanceStatusEvent[] = [];
    const finished = new Map<string, FinishedRecord>();
    const driver = new DockerRuntimeDriver({
      socketPath: services.dockerSocket,
      nodeId,
      logger,
      stopTimeoutSeconds: 1,
    });
    const loop = new ReconcileLoop({
      runtimes: runtimeRegistry([driver]),
      desired,
      reporter: new StatusReporter((e) => events.push(e)),
      recordFinished: async (key, f) => void finished.set(key, f),
      policy: { ...DEFAULT_RECONCILE_POLICY, backoffBaseMs: 300, backoffMaxMs: 1_000 },
      intervalMs: 1_000,
      logger,
    });
    loops.push(loop);
    const statuses = (key: string) =>
      events.filter((e) => `${e.jobName}#${e.instanceNumber}` === key);
    const waitFor = async (
      key: string,
      status: string,
      ms = 20_000,
    ): Promise<InstanceStatusEvent> => {
      const deadline = Date.now() + ms;
      for (;;) {
        const hit = statuses(key).find((e) => e.status === status);
        if (hit) return hit;
        if (Date.now() > deadline) {
          throw new Error(`${key} never reached ${status}; saw ${JSON.stringify(statuses(key))}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return { driver, loop, events, finished, statuses, waitFor };
  }

  const containerOf = async (jobName: string, n = 0) => {
    const list = await docker.listContainers({
      all: true,
      filters: {
        label: [
          `${CanopyLabel.NODE_ID}=${nodeId}`,
          `${CanopyLabel.JOB_NAME}=${jobName}`,
          `${CanopyLabel.INSTANCE_NUMBER}=${n}`,
        ],
      },
    });
    return list[0] ? docker.getContainer(list[0].Id).inspect() : undefined;
  };

  afterEach(async () => {
    await Promise.all(loops.splice(0).map((l) => l.stop()));
  });

  afterAll(async () => {
    const leftovers = await docker.listContainers({
      all: true,
      filters: { label: [`${CanopyLabel.NODE_ID}=${nodeId}`] },
    });
    await Promise.all(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  });

  it('deploys with cmd, env, port mapping, memory and CPU limits, labels and Oakestra naming', async () => {
    const port = await freePort();
    const d = factory.desired({
      job_name: job('web'),
      image: services.testImage,
      cmd: ['httpd', '-f', '-p', '80', '-h', '/'],
      environment: ['GREETING=hello edge', 'EMPTY='],
      port: `${port}:80/tcp`,
      memory: 32,
      vcpus: 1,
      generation: 3,
    });
    const a = agent(() => [d]);
    await a.loop.start();
    await a.waitFor(d.key, 'RUNNING');
    const info = await containerOf(d.spec.job_name);
    expect(info).toBeDefined();
    if (!info) return;
    expect(info.Name).toBe(`/${d.spec.job_name}.instance.0`);
    expect(info.Config.Hostname).toBe('instance-0');
    expect(info.Config.Cmd).toEqual(['httpd', '-f', '-p', '80', '-h', '/']);
    expect(info.Config.Env).toEqual(expect.arrayContaining(['GREETING=hello edge', 'EMPTY=']));
    expect(info.HostConfig.Memory).toBe(32 * MB);
    expect(info.HostConfig.NanoCpus).toBe(1e9);
    expect(info.HostConfig.PortBindings).toEqual({
      '80/tcp': [{ HostIp: '', HostPort: String(port) }],
    });
    expect(info.HostConfig.RestartPolicy?.Name).toBe('no');
    expect(info.Config.Labels).toMatchObject({
      [CanopyLabel.MANAGED]: 'true',
      [CanopyLabel.NODE_ID]: nodeId,
      [CanopyLabel.JOB_NAME]: d.spec.job_name,
      [CanopyLabel.INSTANCE_NUMBER]: '0',
      [CanopyLabel.GENERATION]: '3',
      [CanopyLabel.SPEC_HASH]: d.specHash,
    });
    // The mapped port answers (Docker port binding; nftables DNAT comes with networking).
    const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5_000) });
    expect(res.status).toBeGreaterThanOrEqual(200);
    expect(a.statuses(d.key).map((e) => e.status)).toEqual(['CREATING', 'RUNNING']);
  });

  it('one-shot: exit 0 → COMPLETED, exit 1 → DEAD, and neither is restarted', async () => {
    const ok = factory.desired({
      job_name: job('ok'),
      image: services.testImage,
      cmd: ['sh', '-c', 'echo done'],
      one_shot: true,
    });
    const bad = factory.desired({
      job_name: job('bad'),
      image: services.testImage,
      cmd: ['sh', '-c', 'exit 1'],
      one_shot: true,
    });
    const a = agent(() => [ok, bad]);
    await a.loop.start();
    expect(await a.waitFor(ok.key, 'COMPLETED')).toMatchObject({ exitCode: 0 });
    expect(await a.waitFor(bad.key, 'DEAD')).toMatchObject({
      exitCode: 1,
      detail: 'exited with code 1',
    });
    const before = await containerOf(bad.spec.job_name);
    await new Promise((r) => setTimeout(r, 2_500)); // longer than the restart backoff
    await a.loop.trigger('check');
    const after = await containerOf(bad.spec.job_name);
    expect(after?.State.StartedAt).toBe(before?.State.StartedAt);
    expect(after?.State.Status).toBe('exited');
    expect(a.finished.get(ok.key)).toMatchObject({ status: 'COMPLETED', exitCode: 0 });
    expect(a.statuses(bad.key).filter((e) => e.status === 'RUNNING').length).toBeLessThanOrEqual(1);
  });

  it('restarts a crashing long-running service with backoff and counts the restarts', async () => {
    const d = factory.desired({
      job_name: job('crashy'),
      image: services.testImage,
      cmd: ['sh', '-c', 'sleep 0.3; exit 3'],
    });
    const a = agent(() => [d]);
    await a.loop.start();
    const first = await containerOf(d.spec.job_name);
    const deadline = Date.now() + 20_000;
    while ((a.loop.restarts.get(d.key)?.count ?? 0) < 2 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(a.loop.restarts.get(d.key)?.count).toBeGreaterThanOrEqual(2);
    const dead = a.statuses(d.key).filter((e) => e.status === 'DEAD');
    expect(dead[0]).toMatchObject({
      exitCode: 3,
      detail: expect.stringContaining('exited with code 3; restart 1'),
    });
    expect(
      a.statuses(d.key).some((e) => e.status === 'RUNNING' && (e.restartCount ?? 0) >= 1),
    ).toBe(true);
    const now = await containerOf(d.spec.job_name);
    expect(now?.Id).toBe(first?.Id); // restarted in place: same container, logs kept
  });

  it('reports a missing image as FAILED "image not found: ..."', async () => {
    const image = `${services.registry ?? '127.0.0.1:5000'}/canopy/does-not-exist:test`;
    const d = factory.desired({ job_name: job('missing'), image });
    const a = agent(() => [d]);
    await a.loop.start();
    const failed = await a.waitFor(d.key, 'FAILED');
    expect(failed.detail).toMatch(new RegExp(`^image not found: ${image.replace(/[.]/g, '\\.')}`));
    expect(await containerOf(d.spec.job_name)).toBeUndefined();
  });

  it('pulls from the loopback registry when the image is not local', async () => {
    const image = `${services.registry ?? '127.0.0.1:5000'}/canopy/busybox:test`;
    await docker
      .getImage(image)
      .remove()
      .catch(() => undefined); // untag only: canopy/busybox:test keeps the layers
    const d = factory.desired({ job_name: job('pulled'), image, cmd: ['sleep', '60'] });
    const a = agent(() => [d]);
    await a.loop.start();
    expect(await a.waitFor(d.key, 'CREATING')).toMatchObject({ detail: `pulling ${image}` });
    await a.waitFor(d.key, 'RUNNING');
    expect((await docker.getImage(image).inspect()).RepoTags).toContain(image);
  });

  it('a restarted agent adopts running containers without restarting them', async () => {
    const d = factory.desired({
      job_name: job('keep'),
      image: services.testImage,
      cmd: ['sleep', '300'],
    });
    const first = agent(() => [d]);
    await first.loop.start();
    await first.waitFor(d.key, 'RUNNING');
    const before = await containerOf(d.spec.job_name);
    await first.loop.stop();

    const second = agent(() => [d]);
    await second.loop.start();
    await second.waitFor(d.key, 'RUNNING');
    const after = await containerOf(d.spec.job_name);
    expect(after?.Id).toBe(before?.Id);
    expect(after?.State.StartedAt).toBe(before?.State.StartedAt);
    expect(second.statuses(d.key).map((e) => e.status)).toEqual(['RUNNING']);
  });

  it('removes labelled containers of this worker that are not desired, and leaves others alone', async () => {
    const strayJob = job('stray');
    const stray = await docker.createContainer({
      Image: services.testImage,
      Cmd: ['sleep', '300'],
      name: uniqueName('stray'),
      Labels: {
        [CanopyLabel.NODE_ID]: nodeId,
        [CanopyLabel.JOB_NAME]: strayJob,
        [CanopyLabel.INSTANCE_NUMBER]: '0',
      },
    });
    await stray.start();
    const foreign = await docker.createContainer({
      Image: services.testImage,
      Cmd: ['sleep', '300'],
      name: uniqueName('other-worker'),
      Labels: {
        [CanopyLabel.NODE_ID]: `${nodeId}-other`,
        [CanopyLabel.JOB_NAME]: strayJob,
        [CanopyLabel.INSTANCE_NUMBER]: '0',
      },
    });
    try {
      const a = agent(() => []);
      await a.loop.start();
      await a.waitFor(`${strayJob}#0`, 'UNDEPLOYED');
      await expect(stray.inspect()).rejects.toMatchObject({ statusCode: 404 });
      expect((await foreign.inspect()).Id).toBe(foreign.id);
    } finally {
      await foreign.remove({ force: true });
    }
  });
});
