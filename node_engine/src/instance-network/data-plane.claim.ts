import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { StartRefusedError } from '../agent/start-refused.error';

/** Where agents record which data plane they run; /run is cleared at boot, like the data plane. */
export const DATA_PLANE_CLAIM_DIR = '/run/canopy-node';

interface ClaimRecord {
  pid: number;
  /** Field 22 of /proc/<pid>/stat: tells a live owner from a new process that reused its pid. */
  startTime: string;
  stateDir: string;
  bridge: string;
}

/**
 * One data plane (bridge, tunnel, nftables table, all found by the bridge's name) per network
 * namespace and bridge name. Two agents on one bridge would each treat the other's veths and
 * rules as leftovers and remove them, so the second one is refused at start with what to change.
 *
 * Keyed by the network namespace's inode because test labs run one agent per namespace, all on
 * the default bridge name; /run itself is shared by every namespace.
 */
export class DataPlaneClaim {
  private path: string | undefined;

  constructor(
    private readonly options: {
      bridge: string;
      stateDir: string;
      dir?: string;
      /** Test hook: the network namespace identity; default /proc/self/ns/net's inode. */
      netnsId?: string;
    },
  ) {}

  /** @throws StartRefusedError when another live agent runs this data plane. */
  async acquire(): Promise<void> {
    const dir = this.options.dir ?? DATA_PLANE_CLAIM_DIR;
    await fs.mkdir(dir, { recursive: true, mode: 0o755 });
    const netns = this.options.netnsId ?? String((await fs.stat('/proc/self/ns/net')).ino);
    const path = join(dir, `dataplane-${netns}-${this.options.bridge}.json`);
    const mine: ClaimRecord = {
      pid: process.pid,
      startTime: await startTimeOf(process.pid),
      stateDir: this.options.stateDir,
      bridge: this.options.bridge,
    };
    // The record is written in full under a private name and then hard-linked into place: link
    // fails with EEXIST atomically, so of two agents starting together exactly one wins and no
    // one ever reads a half-written record. A stale record (its owner is gone) is removed and the
    // link tried again; two agents replacing the same stale record at once are not told apart.
    const draft = `${path}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}`;
    await fs.writeFile(draft, `${JSON.stringify(mine)}\n`, { mode: 0o644 });
    try {
      await this.claim(path, draft, mine);
      this.path = path;
    } finally {
      await fs.unlink(draft).catch(() => undefined);
    }
  }

  private async claim(path: string, draft: string, mine: ClaimRecord): Promise<void> {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        await fs.link(draft, path);
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const owner = await readClaim(path);
      if (owner && owner.stateDir === mine.stateDir) {
        // Our own state dir (the state dir's pid file already refused a live second agent).
        await fs.rename(draft, path);
        return;
      }
      if (owner && (await isRunning(owner))) {
        throw new StartRefusedError(
          `the data plane on bridge ${this.options.bridge} is run by another node engine ` +
            `(pid ${owner.pid}, state dir ${owner.stateDir}); two agents on one bridge would ` +
            'remove each other\'s veths and rules. Give this one its own network.bridge (e.g. "canopy1") ' +
            'and network.tunnel_port, or set network.enabled to false',
        );
      }
      await fs.unlink(path).catch(() => undefined);
    }
    throw new StartRefusedError(`could not claim the data plane record ${path}`);
  }

  /** Removes the record if it is still ours. */
  async release(): Promise<void> {
    const path = this.path;
    if (path === undefined) return;
    this.path = undefined;
    const owner = await readClaim(path);
    if (owner?.pid === process.pid && owner.stateDir === this.options.stateDir) {
      await fs.unlink(path).catch(() => undefined);
    }
  }
}

async function readClaim(path: string): Promise<ClaimRecord | undefined> {
  try {
    const value = JSON.parse(await fs.readFile(path, 'utf8')) as Partial<ClaimRecord>;
    return typeof value.pid === 'number' &&
      typeof value.startTime === 'string' &&
      typeof value.stateDir === 'string' &&
      typeof value.bridge === 'string'
      ? (value as ClaimRecord)
      : undefined;
  } catch {
    return undefined; // absent, or torn by a crash mid-write: not a live claim
  }
}

async function isRunning(owner: ClaimRecord): Promise<boolean> {
  const now = await startTimeOf(owner.pid).catch(() => undefined);
  return now !== undefined && now === owner.startTime;
}

/** The process's start time in clock ticks since boot (/proc/<pid>/stat field 22). */
async function startTimeOf(pid: number): Promise<string> {
  const stat = await fs.readFile(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) is parenthesised and may hold spaces: count from its end.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const value = fields[19];
  if (value === undefined) throw new Error(`unexpected /proc/${pid}/stat`);
  return value;
}
