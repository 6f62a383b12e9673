import { randomUUID } from 'node:crypto';
import type {} from '@fastify/multipart';
import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyRequest } from 'fastify';
import { CSRF_FIELD, CSRF_HEADER, csrfMatches } from './csrf.ts';
import { ServeError } from './serve-error.ts';

/** Limits handed to @fastify/multipart: one file, a few small fields. */
export const UPLOAD_LIMITS = {
  fileSize: 25 * 1024 * 1024,
  files: 1,
  fields: 20,
  parts: 22,
  fieldSize: 16 * 1024,
  fieldNameSize: 100,
  headerPairs: 200,
} as const;

export interface ReceivedUpload {
  /** The generated name under uploads/ (never the name the browser sent). */
  storedName: string;
  path: string;
  /** As sent, for display only. */
  originalName: string;
  fields: Record<string, string[]>;
}

/**
 * Streams the one `file` part to <dataDir>/uploads/<uuid>.<csv|xlsx> and collects the text fields. The uploaded name
 * only picks between the two extensions the reader knows; it never becomes a path. A cookie session's _csrf field must
 * come before the file (the page's form puts it first) so that nothing is written for a forged request.
 */
export async function receiveUpload(request: FastifyRequest, dataDir: string): Promise<ReceivedUpload> {
  if (!request.isMultipart()) throw new ServeError(415, 'MULTIPART_REQUIRED', 'send the file as multipart/form-data with a "file" part');
  const auth = request.auth;
  let csrfOk = !auth || auth.via === 'bearer' || csrfMatches(auth.session.csrf, request.headers[CSRF_HEADER]);
  const fields: Record<string, string[]> = {};
  let received: ReceivedUpload | undefined;
  const dir = join(dataDir, 'uploads');
  await mkdir(dir, { recursive: true });
  try {
    for await (const part of request.parts({ limits: UPLOAD_LIMITS })) {
      if (part.type === 'field') {
        const value = typeof part.value === 'string' ? part.value : String(part.value);
        if (part.fieldname === CSRF_FIELD) csrfOk ||= csrfMatches(auth!.session.csrf, value);
        else (fields[part.fieldname] ??= []).push(value);
        continue;
      }
      if (part.fieldname !== 'file') {
        part.file.resume();
        throw new ServeError(422, 'UPLOAD_UNEXPECTED_FILE', `unexpected file part "${part.fieldname}": send the payout file as "file"`);
      }
      if (!csrfOk) {
        part.file.resume();
        throw new ServeError(403, 'CSRF_TOKEN_INVALID', 'the form is missing its CSRF token, or it belongs to another session: reload the page');
      }
      const extension = /\.xlsx$/i.test(part.filename ?? '') ? 'xlsx' : 'csv';
      const storedName = `${randomUUID()}.${extension}`;
      const path = join(dir, storedName);
      received = { storedName, path, originalName: (part.filename ?? 'upload').slice(-200), fields };
      await pipeline(part.file, createWriteStream(path, { flags: 'wx' }));
      if (part.file.truncated) throw new ServeError(413, 'FILE_TOO_LARGE', `the file is larger than ${UPLOAD_LIMITS.fileSize / 1024 / 1024} MB`);
    }
  } catch (error) {
    if (received) await rm(received.path, { force: true });
    const code = (error as { code?: string }).code;
    if (code === 'FST_REQ_FILE_TOO_LARGE') throw new ServeError(413, 'FILE_TOO_LARGE', `the file is larger than ${UPLOAD_LIMITS.fileSize / 1024 / 1024} MB`);
    if (code === 'FST_PARTS_LIMIT' || code === 'FST_FILES_LIMIT' || code === 'FST_FIELDS_LIMIT') throw new ServeError(413, 'UPLOAD_LIMIT', (error as Error).message);
    throw error;
  }
  if (!csrfOk) throw new ServeError(403, 'CSRF_TOKEN_INVALID', 'the form is missing its CSRF token, or it belongs to another session: reload the page');
  if (!received) throw new ServeError(422, 'FILE_MISSING', 'no "file" part in the upload');
  return received;
}
