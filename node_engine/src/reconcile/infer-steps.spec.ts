import { factory } from '../testing/factories';
import { inferSteps, unsupportedReason } from './infer-steps';
import { isChange, type Step } from './steps';

const actions = (steps: Step[]): string[] =>
  steps.map((s) => {
    switch (s.action) {
      case 'report':
        return `report:${s.group}:${s.status}`;
      case 'stop':
      case 'remove':
        return `${s.action}:${s.containerId}:${s.reason}`;
      case 'start':
        return `start:${s.group}${s.containerId ? `:${s.containerId}` : ''}`;
      case 'restart':
        return `restart:${s.group}:${s.restartCount}`;
      case 'wait':
        return `wait:${s.group}:${s.until}`;
      default:
        return `${s.action}:${s.group}`;
    }
  });

const web = factory.desired();
const K = web.key;

describe(inferSteps.name, () => {
  it('does nothing when nothing is desired or running', () => {
    expect(inferSteps([], [], factory.ctx())).toEqual([]);
  });

  describe('new instances', () => {
    it('creates and starts an instance whose image is present, reporting CREATING first', () => {
      const steps = inferSteps([], [web], factory.ctx());
      expect(actions(steps)).toEqual([`report:${K}:CREATING`, `create:${K}`, `start:${K}`]);
      expect(steps[1]).toMatchObject({ action: 'create', instance: web });
      expect(steps[0]).toMatchObject({ detail: 'creating container', generation: 1 });
    });

    it('pulls first when the image is not local (Docker Hub names normalised)', () => {
      const d = factory.desired({ image: 'docker.io/library/nginx' });
      const steps = inferSteps([], [d], factory.ctx());
      expect(actions(steps)).toEqual([
        `report:${K}:CREATING`,
        `pull:${K}`,
        `create:${K}`,
        `start:${K}`,
      ]);
      expect(steps[1]).toMatchObject({ image: 'docker.io/library/nginx' });
      const local = inferSteps([], [d], factory.ctx({ localImages: new Set(['nginx:latest']) }));
      expect(actions(local)).not.toContain(`pull:${K}`);
    });

    it('passes the platform to the pull', () => {
      const d = factory.desired({ image: 'x/y:1', platform: 'linux/arm64' });
      expect(inferSteps([], [d], factory.ctx())[1]).toMatchObject({
        action: 'pull',
        platform: 'linux/arm64',
      });
    });

    it('orders instances by key, whatever the input order', () => {
      const b = factory.desired({ job_name: 'b.x.y.z' });
      const a = factory.desired({ job_name: 'a.x.y.z' });
      const creates = inferSteps([], [b, a], factory.ctx()).filter((s) => s.action === 'create');
      expect(creates.map((s) => s.group)).toEqual([a.key, b.key]);
    });
  });

  describe('adoption', () => {
    it('adopts a running container with the same spec and generation: only a RUNNING report', () => {
      const steps = inferSteps([factory.container(web)], [web], factory.ctx());
      expect(actions(steps)).toEqual([`report:${K}:RUNNING`]);
      expect(steps.some(isChange)).toBe(false);
    });

    it('adopts containers without a generation label (deploys from an Oakestra cluster)', () => {
      const d = factory.desired({ generation: undefined });
      const c = factory.container(d, { generation: undefined });
      expect(actions(inferSteps([c], [d], factory.ctx()))).toEqual([`report:${K}:RUNNING`]);
    });

    it('treats paused and docker-restarting containers as alive', () => {
      for (const state of ['paused', 'restarting'] as const) {
        const steps = inferSteps([factory.container(web, { state })], [web], factory.ctx());
        expect(actions(steps)).toEqual([`report:${K}:RUNNING`]);
      }
    });

    it('reports the restart count of a running instance', () => {
      const steps = inferSteps(
        [factory.container(web)],
        [web],
        factory.ctx({ restarts: new Map([[K, { count: 2, consecutive: 1 }]]) }),
      );
      expect(steps[0]).toMatchObject({
        status: 'RUNNING',
        restartCount: 2,
        detail: 'restarted 2 times',
      });
    });

    it('starts a container that was created but never started', () => {
      const c = factory.container(web, { state: 'created', startedAt: undefined });
      expect(actions(inferSteps([c], [web], factory.ctx()))).toEqual([
        `report:${K}:CREATING`,
        `start:${K}:${c.id}`,
      ]);
    });
  });

  describe('replacement', () => {
    it('replaces a container whose spec changed: stop, remove, then create and start', () => {
      const old = factory.container(web, { specHash: 'other' });
      expect(actions(inferSteps([old], [web], factory.ctx()))).toEqual([
        `stop:${old.id}:replaced`,
        `remove:${old.id}:replaced`,
        `report:${K}:CREATING`,
        `create:${K}`,
        `start:${K}`,
      ]);
    });

    it('replaces a container of an older generation even with the same spec', () => {
      const d = factory.desired({ generation: 5 });
      const old = factory.container(d, { generation: 4 });
      expect(actions(inferSteps([old], [d], factory.ctx()))).toContain(`remove:${old.id}:replaced`);
    });

    it('does not stop an exited container before removing it', () => {
      const old = factory.container(web, { specHash: 'other', state: 'exited', exitCode: 0 });
      expect(actions(inferSteps([old], [web], factory.ctx())).slice(0, 1)).toEqual([
        `remove:${old.id}:replaced`,
      ]);
    });

    it('replaces a container the runtime reports dead', () => {
      const dead = factory.container(web, { state: 'dead' });
      expect(actions(inferSteps([dead], [web], factory.ctx()))).toEqual([
        `remove:${dead.id}:replaced`,
        `report:${K}:CREATING`,
        `create:${K}`,
        `start:${K}`,
      ]);
    });

    it('keeps one of two matching containers (the live one) and removes the other', () => {
      const live = factory.container(web, { id: 'b-live' });
      const exited = factory.container(web, { id: 'a-exited', state: 'exited', exitCode: 1 });
      expect(actions(inferSteps([exited, live], [web], factory.ctx()))).toEqual([
        'remove:a-exited:duplicate',
        `report:${K}:RUNNING`,
      ]);
    });
  });

  describe('undesired and unknown containers', () => {
    it('removes a labelled container that is not desired and reports UNDEPLOYED', () => {
      const gone = factory.container(factory.desired({ job_name: 'old.a.b.c' }));
      expect(actions(inferSteps([gone], [], factory.ctx()))).toEqual([
        `stop:${gone.id}:undesired`,
        `remove:${gone.id}:undesired`,
        'report:old.a.b.c#0:UNDEPLOYED',
      ]);
    });

    it('removes a container with unreadable labels without reporting', () => {
      const c = factory.container(web, {
        key: undefined,
        jobName: undefined,
        instanceNumber: undefined,
        id: 'x',
      });
      const steps = inferSteps([c], [], factory.ctx());
      expect(actions(steps)).toEqual(['stop:x:broken', 'remove:x:broken']);
      expect(steps[0]?.group).toBe('container:x');
    });

    it('puts removals of undesired containers before every other step', () => {
      const zz = factory.container(factory.desired({ job_name: 'zz.a.b.c' }), {
        state: 'exited',
        exitCode: 0,
      });
      const steps = actions(
        inferSteps([zz], [factory.desired({ job_name: 'aa.a.b.c' })], factory.ctx()),
      );
      expect(steps[0]).toBe(`remove:${zz.id}:undesired`);
      expect(steps.indexOf('create:aa.a.b.c#0')).toBeGreaterThan(0);
    });

    it('reports UNDEPLOYED for a reported instance that is gone without a container', () => {
      const steps = inferSteps([], [], factory.ctx({ reported: new Set(['app.ns.gone.ns#3']) }));
      expect(steps).toEqual([
        expect.objectContaining({
          action: 'report',
          jobName: 'app.ns.gone.ns',
          instanceNumber: 3,
          status: 'UNDEPLOYED',
        }),
      ]);
    });
  });

  describe('one-shot instances', () => {
    const job = factory.desired({ one_shot: true, cmd: ['true'] });

    it('exit 0 → COMPLETED, recorded as finished, never restarted', () => {
      const c = factory.container(job, { state: 'exited', exitCode: 0, finishedAt: 5_000 });
      const steps = inferSteps([c], [job], factory.ctx());
      expect(actions(steps)).toEqual([`report:${K}:COMPLETED`]);
      expect(steps[0]).toMatchObject({
        exitCode: 0,
        finished: { status: 'COMPLETED', exitCode: 0, at: new Date(5_000).toISOString() },
      });
    });

    it('exit 1 → DEAD, never restarted', () => {
      const c = factory.container(job, { state: 'exited', exitCode: 1 });
      const steps = inferSteps([c], [job], factory.ctx({ now: 10_000_000 }));
      expect(actions(steps)).toEqual([`report:${K}:DEAD`]);
      expect(steps[0]).toMatchObject({ detail: 'exited with code 1', exitCode: 1 });
    });

    it('is not run again when its container vanished after it finished', () => {
      const done = { ...job, finished: { status: 'COMPLETED' as const, exitCode: 0, at: 'x' } };
      expect(actions(inferSteps([], [done], factory.ctx()))).toEqual([`report:${K}:COMPLETED`]);
    });
  });

  describe('restarts of long-running services with backoff', () => {
    const crashed = (overrides = {}) =>
      factory.container(web, {
        state: 'exited',
        exitCode: 1,
        startedAt: 99_000,
        finishedAt: 99_500,
        ...overrides,
      });

    it('waits for the first backoff (1 s) reporting DEAD with the exit code', () => {
      const steps = inferSteps([crashed()], [web], factory.ctx({ now: 100_000 }));
      expect(actions(steps)).toEqual([`report:${K}:DEAD`, `wait:${K}:100500`]);
      expect(steps[0]).toMatchObject({
        detail: 'exited with code 1; restart 1 after 1s backoff',
        exitCode: 1,
        restartCount: 0,
      });
    });

    it('restarts once the backoff has passed, counting the restart', () => {
      const steps = inferSteps([crashed()], [web], factory.ctx({ now: 100_600 }));
      expect(actions(steps)).toEqual([`report:${K}:DEAD`, `restart:${K}:1`]);
      expect(steps[1]).toMatchObject({ containerId: `c-${K}`, restartCount: 1, consecutive: 1 });
    });

    it('doubles the delay per consecutive crash, up to the cap', () => {
      const at = (consecutive: number, maxMs = 60_000) =>
        inferSteps(
          [crashed()],
          [web],
          factory.ctx({
            now: 0,
            restarts: new Map([[K, { count: consecutive, consecutive }]]),
            policy: { ...factory.ctx().policy, backoffMaxMs: maxMs },
          }),
        ).find((s) => s.action === 'wait');
      expect(at(0)).toMatchObject({ until: 99_500 + 1_000 });
      expect(at(3)).toMatchObject({ until: 99_500 + 8_000 });
      expect(at(10)).toMatchObject({ until: 99_500 + 60_000 });
      expect(at(10, 5_000)).toMatchObject({ until: 99_500 + 5_000 });
    });

    it('starts the backoff over after a run longer than the reset time', () => {
      const longRun = crashed({ startedAt: 0, finishedAt: 99_500 });
      const steps = inferSteps(
        [longRun],
        [web],
        factory.ctx({ now: 0, restarts: new Map([[K, { count: 7, consecutive: 7 }]]) }),
      );
      expect(steps.find((s) => s.action === 'wait')).toMatchObject({ until: 100_500 });
      const later = inferSteps(
        [longRun],
        [web],
        factory.ctx({ now: 200_000, restarts: new Map([[K, { count: 7, consecutive: 7 }]]) }),
      );
      expect(later.find((s) => s.action === 'restart')).toMatchObject({
        restartCount: 8,
        consecutive: 1,
      });
    });

    it('says when the kernel killed it for memory', () => {
      const steps = inferSteps([crashed({ oomKilled: true, exitCode: 137 })], [web], factory.ctx());
      expect(steps[0]).toMatchObject({
        detail: expect.stringContaining('out of memory (exit code 137)'),
      });
    });
  });

  describe('failures and retries', () => {
    const failure = (overrides = {}) => ({
      specHash: web.specHash,
      generation: 1,
      phase: 'pull' as const,
      reason: 'image not found: canopy/busybox:test',
      attempts: 1,
      at: 99_000,
      ...overrides,
    });

    it('reports FAILED and waits while the retry backoff runs', () => {
      const steps = inferSteps(
        [],
        [web],
        factory.ctx({ now: 99_500, failures: new Map([[K, failure()]]) }),
      );
      expect(actions(steps)).toEqual([`report:${K}:FAILED`, `wait:${K}:100000`]);
      expect(steps[0]).toMatchObject({
        detail: 'image not found: canopy/busybox:test (attempt 1; next try after 1s)',
      });
    });

    it('retries after the backoff without reporting CREATING again', () => {
      const steps = inferSteps(
        [],
        [web],
        factory.ctx({ now: 100_001, failures: new Map([[K, failure()]]) }),
      );
      expect(actions(steps)).toEqual([`report:${K}:FAILED`, `create:${K}`, `start:${K}`]);
    });

    it('backs off longer after more attempts', () => {
      const steps = inferSteps(
        [],
        [web],
        factory.ctx({ now: 100_001, failures: new Map([[K, failure({ attempts: 4 })]]) }),
      );
      expect(steps.find((s) => s.action === 'wait')).toMatchObject({ until: 99_000 + 8_000 });
    });

    it('ignores a failure recorded for another spec or generation', () => {
      for (const f of [failure({ specHash: 'old' }), failure({ generation: 0 })]) {
        const steps = inferSteps(
          [],
          [web],
          factory.ctx({ now: 99_500, failures: new Map([[K, f]]) }),
        );
        expect(actions(steps)[0]).toBe(`report:${K}:CREATING`);
      }
    });

    it('gates a failed start of an existing container', () => {
      const c = factory.container(web, { state: 'created', startedAt: undefined });
      const steps = inferSteps(
        [c],
        [web],
        factory.ctx({
          now: 99_500,
          failures: new Map([
            [K, failure({ phase: 'start', reason: 'start failed: port is already allocated' })],
          ]),
        }),
      );
      expect(actions(steps)).toEqual([`report:${K}:FAILED`, `wait:${K}:100000`]);
    });

    it('gates a failed restart', () => {
      const c = factory.container(web, {
        state: 'exited',
        exitCode: 1,
        startedAt: 1,
        finishedAt: 2,
      });
      const steps = inferSteps(
        [c],
        [web],
        factory.ctx({
          now: 100_500,
          failures: new Map([[K, failure({ phase: 'restart', reason: 'start failed: x' })]]),
        }),
      );
      expect(actions(steps)).toEqual([`report:${K}:FAILED`, `restart:${K}:1`]);
    });
  });

  describe('deploys this worker cannot run', () => {
    it.each([
      [
        { virtualization: 'unikernel' },
        'virtualization "unikernel" is not available on this worker (available: docker)',
      ],
      [
        { privileged: true },
        'privileged containers are disabled on this worker (config runtime.allow_privileged)',
      ],
      [
        { volumes: [{ volume_id: 'v' }] },
        'volumes are not supported by this worker yet (no CSI drivers)',
      ],
      [{ vgpus: 1 }, 'GPUs are not supported by this worker yet'],
    ])('%j → FAILED, nothing attempted', (overrides, reason) => {
      const d = factory.desired(overrides);
      const steps = inferSteps([], [d], factory.ctx());
      expect(steps).toEqual([
        expect.objectContaining({ action: 'report', status: 'FAILED', detail: reason }),
      ]);
    });

    it('removes the container of the previous spec when the new one cannot run', () => {
      const d = factory.desired({ virtualization: 'unikernel' });
      const old = factory.container(web);
      expect(actions(inferSteps([old], [d], factory.ctx()))).toEqual([
        `stop:${old.id}:replaced`,
        `remove:${old.id}:replaced`,
        `report:${K}:FAILED`,
      ]);
    });

    it('runs privileged containers when the operator allowed it', () => {
      const d = factory.desired({ privileged: true });
      const ctx = factory.ctx({ policy: { ...factory.ctx().policy, allowPrivileged: true } });
      expect(unsupportedReason(d, ctx)).toBeUndefined();
    });
  });

  it('converges: once the steps are applied, only reports remain', () => {
    const a = factory.desired({ job_name: 'a.x.y.z' });
    const b = factory.desired({ job_name: 'b.x.y.z', generation: 3 });
    const stale = factory.container(factory.desired({ job_name: 'c.x.y.z' }));
    expect(inferSteps([stale], [a, b], factory.ctx()).filter(isChange).length).toBeGreaterThan(0);
    const after = [factory.container(a), factory.container(b)];
    expect(inferSteps(after, [a, b], factory.ctx()).filter(isChange)).toEqual([]);
  });
});
