import { randomBytes } from 'node:crypto';
import { constants, createWriteStream, openSync, renameSync, rmSync, type WriteStream } from 'node:fs';
import { lstat, mkdir, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { EXIT_INTERRUPTED } from '../process-signals.ts';
import { RunError } from '../run-error.ts';

/**
 * Every output file (results, statements, reconciliation, logs) is created here: at a fresh temporary name in its
 * own folder, opened with O_CREAT | O_EXCL | O_NOFOLLOW (a symlink or a file planted at that name makes the open
 * fail instead of writing through it), mode 0600 (results and logs hold names, e-mails and amounts), then renamed
 * into place: rename(2) replaces whatever entry has the final name — a symlink included — without following it.
 */
export const FILE_MODE = 0o600;
export const DIR_MODE = 0o700;
export const EXCLUSIVE_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW;

/** Suffix of a file still being written: a crash never leaves a half file under its final name. */
export const PARTIAL_SUFFIX = '.partial';

/** A temporary name beside `finalPath`, unpredictable so nothing can be planted there beforehand. */
export function partialPathFor(finalPath: string): string {
  return join(dirname(finalPath), `${basename(finalPath)}.${randomBytes(6).toString('hex')}${PARTIAL_SUFFIX}`);
}

/**
 * Temporary files created by this process. A signal outside a hold ends the process at once (process-signals.ts):
 * whatever is still at one of these names then is half a file, removed on the way out. A name that was renamed into
 * place or removed is simply not there any more; the random part keeps anything else from being there.
 */
const partials = new Set<string>();
let removeOnExit = false;
function removePartials(): void {
  for (const path of partials) rmSync(path, { force: true });
}

/** A write stream on a new file at `path` (never an existing file or a symlink), mode 0600. */
export function exclusiveWriteStream(path: string, options: { highWaterMark?: number } = {}): WriteStream {
  if (path.endsWith(PARTIAL_SUFFIX)) {
    partials.add(path);
    if (!removeOnExit) {
      removeOnExit = true;
      // Only for a process stopped by a signal: a failed results.xlsx keeps its CSV (.partial) for whoever investigates.
      process.once('exit', (code) => void (code === EXIT_INTERRUPTED && removePartials()));
    }
  }
  // fs.open takes numeric flags (the only way to say O_NOFOLLOW); @types/node types this option as a string.
  return createWriteStream(path, { flags: EXCLUSIVE_FLAGS as unknown as string, mode: FILE_MODE, ...options });
}

/**
 * Writes `finalPath` through a temporary file: `write` must create the file it is given (with exclusiveWriteStream);
 * once it resolves, the file is renamed into place; when it fails, the temporary file is removed.
 */
export async function writeOutputFile(finalPath: string, write: (partialPath: string) => Promise<void>): Promise<void> {
  const partial = partialPathFor(finalPath);
  try {
    await write(partial);
    await rename(partial, finalPath);
  } catch (error) {
    await rm(partial, { force: true });
    throw error;
  }
}

/**
 * A log file that is appended to while the command runs: created at a temporary name (O_EXCL | O_NOFOLLOW, 0600)
 * and renamed into place at once, so it can be followed while it grows. Returns the file descriptor.
 */
export function openLogFile(finalPath: string): number {
  const partial = partialPathFor(finalPath);
  const fd = openSync(partial, EXCLUSIVE_FLAGS | constants.O_APPEND, FILE_MODE);
  renameSync(partial, finalPath);
  return fd;
}

/** Creates a folder (and its parents) with mode 0700; an existing one is used only when it is not a symlink. */
export async function makePrivateDir(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: DIR_MODE });
  if ((await lstat(path)).isSymbolicLink()) {
    // One line and exit 1 (not "unexpected error"): a link planted where a per-batch folder goes is the operator's to remove.
    throw new RunError('OUTPUT_SYMLINK', `${path} is a symbolic link: outputs are never written through one; nothing was written there`, {
      hint: 'remove the link, or name a new --out folder',
    });
  }
}
