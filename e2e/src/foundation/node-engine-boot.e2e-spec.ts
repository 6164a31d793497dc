import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, ManagedProcess } from '@canopy/testing';
import { dist } from '../support/stack';

/** The bundled worker agent (one JS file, dependencies inlined) boots, validates, stops. */
describe('node engine process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'canopy-node-'));
  const write = (name: string, config: unknown): string => {
    const path = join(dir, name);
    writeFileSync(path, JSON.stringify(config));
    return path;
  };
  const bridge = `cnpboot${process.pid % 100_000}`;
  const waitForLog = async (agent: ManagedProcess, text: string): Promise<void> => {
    const deadline = Date.now() + 10_000;
    while (!agent.logs.includes(text) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  const run = (args: string[]) =>
    ManagedProcess.start({
      name: 'node_engine',
      command: process.execPath,
      args: [dist('node_engine'), ...args],
      cwd: dir,
      env: {},
    });

  it('starts with a valid config, logs structured JSON, refuses a second agent on its data plane, and stops cleanly on SIGTERM', async () => {
    // No cluster listens on that port: the agent boots and keeps retrying its registration.
    const config = write('ok.json', {
      cluster_address: '127.0.0.1',
      cluster_port: await freePort(),
      state_dir: join(dir, 'state'),
      app_logs: join(dir, 'logs'),
      labels: { zone: 'e2e' },
      // Not the default bridge: a developer's local worker may run on canopy0.
      network: { bridge },
    });
    const agent = await run(['start', '--config', config]);
    await waitForLog(agent, 'node engine started');
    const started = JSON.parse(
      agent.logs.split('\n').find((l) => l.includes('node engine started')) ?? '{}',
    );
    expect(started).toMatchObject({
      level: 'info',
      service: 'node_engine',
      labels: { zone: 'e2e' },
      // network.enabled defaults to auto: this host (root, iproute2, nftables, wireguard-go) has
      // what the data plane needs, so it is on.
      network: `wireguard on ${bridge}`,
    });

    // A second agent (its own state dir) on the same bridge would remove the first one's veths
    // and rules as leftovers: it is refused before it touches anything.
    const second = await run([
      'start',
      '--config',
      write('second.json', {
        cluster_address: '127.0.0.1',
        cluster_port: await freePort(),
        state_dir: join(dir, 'state-2'),
        network: { bridge },
      }),
    ]);
    expect(await second.exited()).toEqual({ code: 1, signal: null });
    expect(second.logs).toContain(
      `Canopy node_engine cannot start: the data plane on bridge ${bridge} is run by another ` +
        `node engine (pid ${agent.pid ?? '?'}, state dir ${join(dir, 'state')})`,
    );
    expect(second.logs).not.toContain('    at '); // a message, not a stack trace

    expect(await agent.stop()).toEqual({ code: 0, signal: null });
    expect(agent.logs).toContain('node engine stopped');
    // Stopped: the bridge is free for the next agent.
    const third = await run([
      'start',
      '--config',
      write('third.json', {
        cluster_address: '127.0.0.1',
        cluster_port: await freePort(),
        state_dir: join(dir, 'state-3'),
        network: { bridge },
      }),
    ]);
    await waitForLog(third, 'node engine started');
    expect(await third.stop()).toEqual({ code: 0, signal: null });
  });

  it('refuses an invalid config with one readable line per field and exit code 1', async () => {
    const config = write('bad.json', { cluster_port: 'x', join_token: 12345678 });
    const agent = await run(['start', '--config', config]);
    expect(await agent.exited()).toEqual({ code: 1, signal: null });
    expect(agent.logs).toContain('invalid configuration');
    expect(agent.logs).toMatch(/bad\.json: cluster_address: is required/);
    expect(agent.logs).toMatch(/bad\.json: cluster_port: .*integer/);
    expect(agent.logs).not.toContain('12345678');
  });

  it('explains a missing config file', async () => {
    const agent = await run(['start', '--config', join(dir, 'absent.json')]);
    expect(await agent.exited()).toEqual({ code: 1, signal: null });
    expect(agent.logs).toMatch(/absent\.json: file not found/);
  });
});
