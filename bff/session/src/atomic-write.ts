import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import path from 'node:path';

/**
 * A fresh temp path beside `file`: 128 random bits, nothing derived from the
 * pid or a counter, so no one can plant a file or symlink there in advance.
 */
export function randomTempPath(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(16).toString('hex')}.tmp`);
}

/**
 * The one atomic writer of the product (the lowdb stores and the key file).
 *
 * Replaces `file` atomically: writes a new temp file, fsyncs it, renames it
 * over `file`, then fsyncs the directory so the rename survives a crash.
 *
 * The temp file is opened with `wx` (O_CREAT | O_EXCL): if anything already
 * exists at that path, a symlink included, the open fails with EEXIST instead
 * of following it. `write-file-atomic`, `atomically` and lowdb's `steno` all
 * open their temp file with `w` (and the first and last use predictable
 * names), which is how a planted symlink redirected the user database.
 * `rename` replaces a symlink at `file` itself rather than following it.
 */
export async function writeFileAtomic(
  file: string,
  data: string | Uint8Array,
  options: { mode?: number; tempPath?: (file: string) => string } = {},
): Promise<void> {
  const tmp = (options.tempPath ?? randomTempPath)(file);
  const handle = await open(tmp, 'wx', options.mode ?? 0o600);
  try {
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  } catch (err) {
    // Only ever removes the file this call created.
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}

/**
 * Writes a fresh temp file beside `file` (random name, `wx`, mode 0600,
 * fsynced) and returns its path, for callers that publish it themselves
 * (the key file's first creation links it, so that only one process wins).
 */
export async function writeTempFile(file: string, data: string | Uint8Array): Promise<string> {
  const tmp = randomTempPath(file);
  const handle = await open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
  await handle.close();
  return tmp;
}
