import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { applyDelete, applyDeploy, EMPTY_DESIRED_SET, markFinished } from '../desired/desired-set';
import { factory } from '../testing/factories';
import { StateFileName, StateStore } from './state-store';

function memoryLogger() {
  const lines: string[] = [];
  const logger = pino({ level: 'trace' }, { write: (l: string) => lines.push(l) });
  return { logger, lines };
}

describe(StateStore.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = join(mkdtempSync(join(tmpdir(), 'canopy-state-')), 'state');
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('creates the directory 0700 and round-trips identity and credentials (credentials 0600)', async () => {
    const store = new StateStore(dir);
    await store.init();
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(await store.readIdentity()).toEqual({ state: 'missing' });
    const identity = {
      nodeId: 'n1',
      nodeName: 'w1',
      clusterAddress: '10.0.0.1',
      clusterPort: 10100,
      mqttBrokerPort: 10003,
      registeredAt: '2025-01-01T00:00:00.000Z',
    };
    await store.writeIdentity(identity);
    await store.writeCredentials({ nodeId: 'n1', mqttUsername: 'u', mqttPassword: 'p' });
    expect(await store.readIdentity()).toEqual({ state: 'ok', value: identity });
    expect(await store.readCredentials()).toEqual({
      state: 'ok',
      value: { nodeId: 'n1', mqttUsername: 'u', mqttPassword: 'p' },
    });
    expect(statSync(store.path(StateFileName.CREDENTIALS)).mode & 0o777).toBe(0o600);
    expect(statSync(store.path(StateFileName.IDENTITY)).mode & 0o777).toBe(0o644);
  });

  it('round-trips the desired set with generations, tombstones and finished records', async () => {
    const store = new StateStore(dir);
    await store.init();
    const now = new Date();
    let set = EMPTY_DESIRED_SET;
    for (const change of [
      applyDeploy(set, factory.spec({ generation: 2, environment: ['SECRET=x'] }), now),
    ]) {
      if (change.changed) set = change.set;
    }
    const other = applyDeploy(set, factory.spec({ job_name: 'b.c.d.e', one_shot: true }), now);
    if (other.changed) set = other.set;
    const gone = applyDelete(
      set,
      { job_name: 'gone.a.b.c', instance_number: 1, generation: 9 },
      now,
    );
    if (gone.changed) set = gone.set;
    set = markFinished(set, 'b.c.d.e#0', { status: 'DEAD', exitCode: 3, at: now.toISOString() });

    await store.writeDesired(set, 'n1');
    expect(statSync(store.path(StateFileName.DESIRED)).mode & 0o777).toBe(0o600);
    const loaded = await store.readDesired();
    if (loaded.state !== 'ok') throw new Error(loaded.state);
    expect(loaded.value.nodeId).toBe('n1');
    expect(loaded.value.set.instances).toEqual(set.instances);
    expect(loaded.value.set.tombstones.get('gone.a.b.c#1')?.generation).toBe(9);
  });

  it.each([
    ['not JSON', '{"version":1,'],
    ['wrong shape', '{"version":1,"node_id":"n1","instances":"x","tombstones":[]}'],
    ['unknown version', '{"version":99,"node_id":"n1","instances":[],"tombstones":[]}'],
    ['empty (cut short)', ''],
  ])('moves a corrupt desired set aside (%s) and says so', async (_what, content) => {
    const { logger, lines } = memoryLogger();
    const store = new StateStore(dir, logger);
    await store.init();
    writeFileSync(store.path(StateFileName.DESIRED), content);
    const loaded = await store.readDesired();
    expect(loaded.state).toBe('corrupt');
    expect(readdirSync(dir).some((f) => f.startsWith('desired.json.corrupt-'))).toBe(true);
    expect(readdirSync(dir)).not.toContain('desired.json');
    const logged = lines.map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logged.some((l) => l.level === 50 && /desired\.json .*moved it to/.test(l.msg))).toBe(
      true,
    );
  });

  it('drops (and logs) single invalid deploy entries but keeps the rest', async () => {
    const { logger, lines } = memoryLogger();
    const store = new StateStore(dir, logger);
    await store.init();
    const good = factory.spec();
    writeFileSync(
      store.path(StateFileName.DESIRED),
      JSON.stringify({
        version: 1,
        node_id: 'n1',
        instances: [
          { deploy: good, received_at: 'x' },
          { deploy: { ...good, job_name: 'x.y.z.w', memory: -1 }, received_at: 'x' },
        ],
        tombstones: [],
      }),
    );
    const loaded = await store.readDesired();
    if (loaded.state !== 'ok') throw new Error(loaded.state);
    expect([...loaded.value.set.instances.keys()]).toEqual(['app.ns.web.ns#0']);
    expect(loaded.value.dropped).toEqual([expect.stringContaining('memory')]);
    expect(lines.join('')).toContain('dropped entries');
  });

  it('read-only mode reports a corrupt file without moving it', async () => {
    await new StateStore(dir).init();
    writeFileSync(join(dir, StateFileName.IDENTITY), 'garbage');
    const store = new StateStore(dir, undefined, { quarantine: false });
    expect(await store.readIdentity()).toMatchObject({ state: 'corrupt' });
    expect(readFileSync(join(dir, StateFileName.IDENTITY), 'utf8')).toBe('garbage');
  });

  it('writes the pid file and removes only its own', async () => {
    const store = new StateStore(dir);
    await store.init();
    await store.writePid(12345);
    expect(await store.readPid()).toBe(12345);
    await store.removePid(999);
    expect(await store.readPid()).toBe(12345);
    await store.removePid(12345);
    expect(await store.readPid()).toBeUndefined();
  });

  it('removes temp files of interrupted writes at init', async () => {
    const store = new StateStore(dir);
    await store.init();
    writeFileSync(join(dir, '.desired.json.0123456789ab.tmp'), 'half');
    await store.init();
    expect(readdirSync(dir)).toEqual([]);
  });
});
