import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { RunError } from '../run-error.ts';

/** sha256 (hex) of the file's bytes: the batch's identity, so the same file is the same batch under any name. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new RunError('FILE_UNREADABLE', `cannot read ${path} (${code})`, {
      hint: 'check the path and that the file is not open exclusively in another program',
      cause: error,
    });
  }
  return hash.digest('hex');
}
