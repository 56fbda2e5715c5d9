import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { ConfigError } from './env';

/**
 * Makes sure DATA_DIR can be trusted before anything is read from or written
 * to it: created with mode 0700 when missing; refused when it is not a
 * directory or when group or others may write to it (whoever can create
 * files there can plant a symlink or swap the user database and the keys).
 * Throws ConfigError naming the directory and the command that fixes it.
 */
export async function prepareDataDir(dir: string, service: string, variable = 'DATA_DIR'): Promise<void> {
  try {
    // The mode (less the umask) applies to every directory this creates.
    await mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EEXIST' && code !== 'ENOTDIR') {
      throw new ConfigError(`${service} cannot start: ${variable} ${dir} cannot be created (${code ?? String(err)}). Create it with mkdir -m 700 ${dir}, or set ${variable} to a directory this service may write.`);
    }
  }
  const info = await stat(dir).catch(() => null);
  if (!info?.isDirectory()) {
    throw new ConfigError(`${service} cannot start: ${variable} ${dir} is not a directory. Set ${variable} to a directory (it is created with mode 0700 if missing).`);
  }
  if (info.mode & 0o022) {
    const mode = (info.mode & 0o7777).toString(8).padStart(4, '0');
    throw new ConfigError(
      `${service} cannot start: ${variable} ${dir} is writable by group/others (mode ${mode}), so another account could replace the user database or the signing keys. ` +
        `Run chmod 700 ${dir} (or set ${variable} to a directory only this service's user can write), then start again.`,
    );
  }
  // Root bypasses mode bits, so ask the kernel rather than reading them.
  const writable = await access(dir, constants.W_OK | constants.X_OK).then(
    () => true,
    () => false,
  );
  if (!writable) {
    throw new ConfigError(
      `${service} cannot start: ${variable} ${dir} is not writable by this service's user (uid ${process.getuid?.() ?? '?'}). ` +
        `Run chown $(id -u) ${dir} && chmod 700 ${dir}, or set ${variable} to a directory this user owns.`,
    );
  }
}
