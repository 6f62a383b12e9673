import { createHash } from 'node:crypto';
import { openRegularFile, unreadable } from './open-regular-file.ts';

/** sha256 (hex) of the file's bytes: the batch's identity, so the same file is the same batch under any name. */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  // Only a regular file: reading a FIFO would wait for a writer forever.
  const { handle } = await openRegularFile(path);
  try {
    for await (const chunk of handle.createReadStream({ highWaterMark: 1 << 20, autoClose: false })) hash.update(chunk as Buffer);
  } catch (error) {
    throw unreadable(path, error);
  } finally {
    await handle.close().catch(() => {});
  }
  return hash.digest('hex');
}
