import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { RunError } from '../run-error.ts';

/** What a path that is not a regular file is, for the one line the user sees. */
function kindOf(info: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  if (info.isSocket()) return 'a socket';
  return 'not a regular file';
}

export function unreadable(path: string, error: unknown): RunError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  const why = code === 'ENOENT' ? 'no such file' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : code;
  return new RunError('FILE_UNREADABLE', `cannot read ${path} (${why})`, {
    hint: 'check the path and that the file is not open exclusively in another program',
    cause: error,
  });
}

/**
 * Opens a payout file for reading, only if it is a regular file. O_NONBLOCK makes opening a FIFO return at once
 * instead of waiting for a writer that may never come, and fstat on the opened descriptor (not stat on the path,
 * which a swap could change in between) says what it is. A FIFO, a device, a socket or a directory is refused.
 */
export async function openRegularFile(path: string): Promise<{ handle: FileHandle; size: number }> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw unreadable(path, error);
  }
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new RunError('FILE_UNREADABLE', `${path} is ${kindOf(info)}, not a regular file`, { hint: 'give the path of a .csv or .xlsx file' });
    }
    return { handle, size: info.size };
  } catch (error) {
    await handle.close().catch(() => {});
    if (error instanceof RunError) throw error;
    throw unreadable(path, error);
  }
}
