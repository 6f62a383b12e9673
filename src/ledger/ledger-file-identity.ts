import { statSync } from 'node:fs';

/** Which file a path named when the ledger was opened: device and inode, as bigints (inodes may pass 2^53). */
export interface FileIdentity {
  readonly dev: bigint;
  readonly ino: bigint;
}

export function fileIdentity(path: string): FileIdentity {
  const { dev, ino } = statSync(path, { bigint: true });
  return { dev, ino };
}

/**
 * Whether the path still names the file that was opened. An open SQLite connection keeps writing to the file it
 * opened even after that file is deleted or replaced (a restore, `mv`, a cleanup script): every row written from then
 * on lives in a file no later run will find, and the next run would pay those rows again.
 */
export function fileChange(path: string, opened: FileIdentity): 'deleted' | 'replaced' | undefined {
  const now = statSync(path, { bigint: true, throwIfNoEntry: false });
  if (!now) return 'deleted';
  return now.dev === opened.dev && now.ino === opened.ino ? undefined : 'replaced';
}
