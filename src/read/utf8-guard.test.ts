import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { NotUtf8Error, Utf8Guard } from './utf8-guard.mjs';

async function passThrough(chunks: Buffer[]): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    new Utf8Guard(),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out);
}

async function failureOf(chunks: Buffer[]): Promise<unknown> {
  return passThrough(chunks).then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** Splits `bytes` into chunks of `size`, cutting through multi-byte characters wherever they fall. */
function chunked(bytes: Buffer, size: number): Buffer[] {
  const chunks: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) chunks.push(bytes.subarray(at, at + size));
  return chunks;
}

describe('Utf8Guard', () => {
  it('passes valid UTF-8 through unchanged, whatever the chunk boundaries split', async () => {
    const bytes = Buffer.from('José Peña Núñez € 😀 ñandú\n'.repeat(50));
    for (const size of [1, 2, 3, 5, 7, 64]) {
      expect((await passThrough(chunked(bytes, size))).equals(bytes)).toBe(true);
    }
  });

  it('fails at Windows-1252 bytes after a UTF-8 beginning, pointing at them', async () => {
    const head = Buffer.from('order_id,name\n1,Ana\n');
    const error = await failureOf([head, Buffer.from([0x32, 0x2c, 0x4a, 0x6f, 0x73, 0xe9, 0x0a])]);
    expect(error).toBeInstanceOf(NotUtf8Error);
    // "é" in 1252 is byte 5 of the second chunk; a lead byte is only known bad once the byte after it is seen.
    expect((error as NotUtf8Error).offset).toBeGreaterThanOrEqual(head.length + 5);
    expect((error as NotUtf8Error).offset).toBeLessThanOrEqual(head.length + 5 + 3);
  });

  it('fails at a character cut off by the end of the file', async () => {
    expect(await failureOf([Buffer.from('a,b\n1,'), Buffer.from([0xc3])])).toBeInstanceOf(NotUtf8Error);
  });
});
