import pino from 'pino';
import type { FinishedRecord } from '../desired/desired-set';
import { runtimeRegistry } from '../runtime/runtime-driver';
import { factory } from '../testing/factories';
import { FakeRuntimeDriver } from '../testing/fake-runtime.driver';
import { ReconcileLoop } from './reconcile-loop';
import { DEFAULT_RECONCILE_POLICY, type DesiredInstance } from './reconcile.types';
import { StatusReporter, type InstanceStatusEvent } from './status-reporter';

function setup(initial: DesiredInstance[] = []) {
  const runtime = new FakeRuntimeDriver();
  runtime.images.add('canopy/busybox:test');
  let desired = initial;
  const events: InstanceStatusEvent[] = [];
  const finished = new Map<string, FinishedRecord>();
  const reporter = new StatusReporter((e) => events.push(e));
  const loop = new ReconcileLoop({
    runtimes: runtimeRegistry([runtime]),
    desired: () => desired,
    reporter,
    recordFinished: async (key, f) => void finished.set(key, f),
    policy: { ...DEFAULT_RECONCILE_POLICY, backoffBaseMs: 20, backoffMaxMs: 80 },
    intervalMs: 60_000,
    logger: pino({ level: 'silent' }),
  });
  return {
    runtime,
    loop,
    events,
    finished,
    statuses: (key: string) =>
      events.filter((e) => `${e.jobName}#${e.instanceNumber}` === key).map((e) => e.status),
    setDesired: (d: DesiredInstance[]) => (desired = d),
  };
}

const until = async (check: () => boolean, ms = 2_000): Promise<void> => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
};

describe(ReconcileLoop.name, () => {
  const web = factory.desired();

  it('deploys a desired instance in one trigger: CREATING then RUNNING', async () => {
    const t = setup([web]);
    await t.loop.trigger('test');
    expect(t.runtime.calls).toEqual(['create app.ns.web.ns#0 fake1', 'start fake1']);
    expect(t.statuses(web.key)).toEqual(['CREATING', 'RUNNING']);
    await t.loop.stop();
  });

  it('adopts what is already running after a restart of the agent: no calls, RUNNING reported', async () => {
    const first = setup([web]);
    await first.loop.trigger('test');
    await first.loop.stop();
    const second = setup([web]);
    second.runtime.containers.set(
      'fake1',
      first.runtime.containers.get('fake1') ?? (undefined as never),
    );
    await second.loop.trigger('test');
    expect(second.runtime.calls).toEqual([]);
    expect(second.statuses(web.key)).toEqual(['RUNNING']);
    await second.loop.stop();
  });

  it('restarts a crashed service after its backoff, counting restarts', async () => {
    const t = setup([web]);
    await t.loop.start();
    t.runtime.exit('fake1', 2);
    await until(() => t.loop.restarts.get(web.key)?.count === 1);
    await until(() => t.runtime.byKey(web.key)?.state === 'running');
    t.runtime.exit('fake1', 2);
    await until(() => t.loop.restarts.get(web.key)?.count === 2);
    await until(() => t.events.some((e) => e.status === 'RUNNING' && e.restartCount === 2));
    expect(t.runtime.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);
    expect(t.statuses(web.key)).toEqual([
      'CREATING',
      'RUNNING',
      'DEAD',
      'RUNNING',
      'DEAD',
      'RUNNING',
    ]);
    expect(t.events.find((e) => e.status === 'DEAD')).toMatchObject({
      exitCode: 2,
      detail: expect.stringContaining('exited with code 2'),
    });
    await t.loop.stop();
  });

  it('one-shot: exit 0 → COMPLETED and exit 1 → DEAD, never restarted', async () => {
    const ok = factory.desired({ job_name: 'ok.a.b.c', one_shot: true });
    const bad = factory.desired({ job_name: 'bad.a.b.c', one_shot: true });
    const t = setup([ok, bad]);
    t.runtime.onStart = (c) =>
      setTimeout(() => t.runtime.exit(c.id, c.jobName === 'ok.a.b.c' ? 0 : 1), 5);
    await t.loop.start();
    await until(() => t.finished.size === 2);
    await new Promise((r) => setTimeout(r, 150)); // several backoff periods
    await t.loop.trigger('again');
    expect(t.statuses(ok.key)).toEqual(['CREATING', 'RUNNING', 'COMPLETED']);
    expect(t.statuses(bad.key)).toEqual(['CREATING', 'RUNNING', 'DEAD']);
    expect(t.finished.get(bad.key)).toMatchObject({ status: 'DEAD', exitCode: 1 });
    expect(t.runtime.calls.filter((c) => c.startsWith('start'))).toHaveLength(2);
    await t.loop.stop();
  });

  it('a missing image → FAILED "image not found: ..." and retried with backoff', async () => {
    const missing = factory.desired({ image: '127.0.0.1:5000/nope:1' });
    const t = setup([missing]);
    await t.loop.start();
    await until(() => t.runtime.calls.filter((c) => c.startsWith('pull')).length >= 2);
    expect(t.statuses(missing.key).slice(0, 2)).toEqual(['CREATING', 'FAILED']);
    expect(t.events.find((e) => e.status === 'FAILED')?.detail).toMatch(
      /^image not found: 127\.0\.0\.1:5000\/nope:1/,
    );
    expect(t.loop.failures.get(missing.key)?.attempts).toBeGreaterThanOrEqual(1);
    // Once the image exists, the next retry succeeds.
    t.runtime.registry.add('127.0.0.1:5000/nope:1');
    await until(() => t.statuses(missing.key).includes('RUNNING'));
    expect(t.loop.failures.has(missing.key)).toBe(false);
    await t.loop.stop();
  });

  it('removes what is no longer desired and reports UNDEPLOYED', async () => {
    const t = setup([web]);
    await t.loop.trigger('deploy');
    t.setDesired([]);
    await t.loop.trigger('delete');
    expect(t.runtime.containers.size).toBe(0);
    expect(t.statuses(web.key)).toEqual(['CREATING', 'RUNNING', 'UNDEPLOYED']);
    expect(t.runtime.calls.slice(-2)).toEqual(['stop fake1', 'remove fake1']);
    await t.loop.stop();
  });

  it('replaces an instance when a newer generation changes it', async () => {
    const t = setup([web]);
    await t.loop.trigger('deploy');
    const v2 = factory.desired({ generation: 2, environment: ['A=2'] });
    t.setDesired([v2]);
    await t.loop.trigger('update');
    expect(t.runtime.calls).toEqual([
      'create app.ns.web.ns#0 fake1',
      'start fake1',
      'stop fake1',
      'remove fake1',
      'create app.ns.web.ns#0 fake2',
      'start fake2',
    ]);
    expect(t.events[t.events.length - 1]).toMatchObject({ status: 'RUNNING', generation: 2 });
    await t.loop.stop();
  });
});
