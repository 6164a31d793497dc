import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StartRefusedError } from '../agent/start-refused.error';
import { DataPlaneClaim } from './data-plane.claim';

describe('DataPlaneClaim (real files, real /proc)', () => {
  let dir: string;
  const claim = (stateDir: string, netnsId = 'ns1', bridge = 'canopy0') =>
    new DataPlaneClaim({ bridge, stateDir, dir, netnsId });
  const record = () => join(dir, 'dataplane-ns1-canopy0.json');

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-claim-'));
  });

  it('refuses a second agent on the same bridge and namespace, naming the owner and the fix', async () => {
    const first = claim('/var/lib/a');
    await first.acquire();
    expect(JSON.parse(readFileSync(record(), 'utf8'))).toMatchObject({
      pid: process.pid,
      stateDir: '/var/lib/a',
      bridge: 'canopy0',
    });
    const second = claim('/var/lib/b').acquire();
    await expect(second).rejects.toBeInstanceOf(StartRefusedError);
    await expect(second).rejects.toThrow(
      `the data plane on bridge canopy0 is run by another node engine (pid ${process.pid}, state dir /var/lib/a)`,
    );
    await expect(second).rejects.toThrow(/own network\.bridge .* or set network\.enabled to false/);
    // The refused agent did not take the record over.
    expect(JSON.parse(readFileSync(record(), 'utf8'))).toMatchObject({ stateDir: '/var/lib/a' });

    await first.release();
    expect(readdirSync(dir)).toEqual([]);
    await claim('/var/lib/b').acquire();
  });

  it('other namespaces and other bridges are other data planes', async () => {
    await claim('/var/lib/a').acquire();
    await claim('/var/lib/b', 'ns2').acquire();
    await claim('/var/lib/c', 'ns1', 'canopy1').acquire();
    expect(readdirSync(dir).sort()).toEqual([
      'dataplane-ns1-canopy0.json',
      'dataplane-ns1-canopy1.json',
      'dataplane-ns2-canopy0.json',
    ]);
  });

  it('takes over from an owner that is gone, or whose pid now belongs to another process', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const deadPid = child.pid ?? 0;
    await new Promise((resolve) => child.once('exit', resolve));
    writeFileSync(
      record(),
      JSON.stringify({ pid: deadPid, startTime: '1', stateDir: '/var/lib/x', bridge: 'canopy0' }),
    );
    await claim('/var/lib/a').acquire();
    expect(JSON.parse(readFileSync(record(), 'utf8'))).toMatchObject({ stateDir: '/var/lib/a' });

    // A live pid with another start time: the old owner died and its pid was reused.
    writeFileSync(
      record(),
      JSON.stringify({
        pid: process.pid,
        startTime: '1',
        stateDir: '/var/lib/x',
        bridge: 'canopy0',
      }),
    );
    await claim('/var/lib/b').acquire();
    expect(JSON.parse(readFileSync(record(), 'utf8'))).toMatchObject({ stateDir: '/var/lib/b' });

    writeFileSync(record(), '{"pid": 12'); // torn by a crash mid-write
    await claim('/var/lib/c').acquire();
    expect(JSON.parse(readFileSync(record(), 'utf8'))).toMatchObject({ stateDir: '/var/lib/c' });
  });

  it('the same state dir (a restart after a crash) gets its data plane back', async () => {
    await claim('/var/lib/a').acquire();
    await claim('/var/lib/a').acquire();
  });

  it('of agents starting together exactly one wins', async () => {
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((s) => claim(`/var/lib/${s}`).acquire()),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results.filter((r) => r.status === 'rejected'))
      expect((r as PromiseRejectedResult).reason).toBeInstanceOf(StartRefusedError);
  });

  it('release leaves a record that another agent took over', async () => {
    const first = claim('/var/lib/a');
    await first.acquire();
    writeFileSync(
      record(),
      JSON.stringify({ pid: 1, startTime: '1', stateDir: '/var/lib/z', bridge: 'canopy0' }),
    );
    await first.release();
    expect(readdirSync(dir)).toEqual(['dataplane-ns1-canopy0.json']);
  });
});
