import { randomBytes } from 'node:crypto';
import { promises as fs, constants as fsConstants } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** File-system calls used by the atomic writer; tests substitute failing ones. */
export interface AtomicFs {
  open: typeof fs.open;
  rename: typeof fs.rename;
  unlink: typeof fs.unlink;
}

const realFs: AtomicFs = { open: fs.open, rename: fs.rename, unlink: fs.unlink };

/** Temporary files are `.<name>.<random>.tmp` next to the target, so rename stays atomic. */
export const TEMP_FILE_PATTERN = /^\..+\.[0-9a-f]{12}\.tmp$/;

export function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

/**
 * Replaces `path` with `data` so that a reader (or the next boot after a power cut) sees either
 * the old file or the new one, never a mix: write a temp file in the same directory, fsync it,
 * rename it over the target, then fsync the directory so the rename itself is durable.
 *
 * INVARIANTS: the target is never opened for writing; on any failure the temp file is removed
 * and the old content stays in place.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
  io: AtomicFs = realFs,
): Promise<void> {
  const mode = options.mode ?? 0o644;
  const temp = tempPathFor(path);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await io.open(
      temp,
      fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_WRONLY,
      mode,
    );
    await handle.writeFile(data);
    // open(2)'s mode is filtered by the umask; state files need the exact mode (0600 secrets).
    await handle.chmod(mode);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await io.rename(temp, path);
  } catch (error) {
    await handle?.close().catch(() => undefined);
    await io.unlink(temp).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** fsync on a directory makes a rename in it durable; some file systems refuse it (ignored). */
async function syncDirectory(dir: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(dir, fsConstants.O_RDONLY);
    await handle.sync();
  } catch {
    // EISDIR/EINVAL on some platforms: durability of the rename is then best effort.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}

/** Removes temp files a crash left behind (they are never read). Returns what it removed. */
export async function removeStaleTempFiles(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((n) => TEMP_FILE_PATTERN.test(n));
  await Promise.all(stale.map((n) => fs.unlink(join(dir, n)).catch(() => undefined)));
  return stale;
}
