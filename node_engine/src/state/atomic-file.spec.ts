import {
  promises as fs,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  removeStaleTempFiles,
  TEMP_FILE_PATTERN,
  tempPathFor,
  writeFileAtomic,
  type AtomicFs,
} from './atomic-file';

describe(writeFileAtomic.name, () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'canopy-atomic-'));
  });
  afterEach(() => fs.rm(dir, { recursive: true, force: true }));

  it('writes the content with the exact mode, leaving no temp file', async () => {
    const path = join(dir, 'credentials.json');
    const previous = process.umask(0o077);
    try {
      await writeFileAtomic(path, '{"a":1}', { mode: 0o644 });
    } finally {
      process.umask(previous);
    }
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}');
    expect(statSync(path).mode & 0o777).toBe(0o644);
    await writeFileAtomic(path, 'secret', { mode: 0o600 });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dir)).toEqual(['credentials.json']);
  });

  it('keeps the old content when the write fails half-way (and removes the temp file)', async () => {
    const path = join(dir, 'desired.json');
    writeFileSync(path, 'old');
    const failingRename: AtomicFs = {
      open: fs.open,
      unlink: fs.unlink,
      rename: () => Promise.reject(Object.assign(new Error('disk full'), { code: 'ENOSPC' })),
    };
    await expect(writeFileAtomic(path, 'new', {}, failingRename)).rejects.toThrow('disk full');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['desired.json']);
  });

  it('never writes to the target: a failure while writing the temp file leaves the target intact', async () => {
    const path = join(dir, 'identity.json');
    writeFileSync(path, 'old');
    const failingOpen: AtomicFs = {
      open: async (p, flags, mode) => {
        const handle = await fs.open(p, flags, mode);
        // The temp file exists and is partially written when the process "dies".
        await handle.write('partial');
        return Object.assign(handle, {
          writeFile: () => Promise.reject(new Error('EIO')),
        }) as unknown as fs.FileHandle;
      },
      rename: fs.rename,
      unlink: fs.unlink,
    };
    await expect(writeFileAtomic(path, 'new', {}, failingOpen)).rejects.toThrow('EIO');
    expect(readFileSync(path, 'utf8')).toBe('old');
    expect(readdirSync(dir)).toEqual(['identity.json']);
  });

  it('concurrent writers never interleave: the file holds one complete version', async () => {
    const path = join(dir, 'status.json');
    const versions = Array.from({ length: 20 }, (_, i) =>
      JSON.stringify({ v: i, pad: 'x'.repeat(10_000) }),
    );
    await Promise.all(versions.map((v) => writeFileAtomic(path, v)));
    expect(versions).toContain(readFileSync(path, 'utf8'));
  });

  it('cleans temp files a crash left behind, and only those', async () => {
    const stale = tempPathFor(join(dir, 'desired.json'));
    writeFileSync(stale, 'partial');
    writeFileSync(join(dir, 'desired.json'), '{}');
    writeFileSync(join(dir, '.hidden'), 'keep');
    expect(TEMP_FILE_PATTERN.test(stale.split('/').pop() ?? '')).toBe(true);
    expect(await removeStaleTempFiles(dir)).toHaveLength(1);
    expect(readdirSync(dir).sort()).toEqual(['.hidden', 'desired.json']);
  });
});
