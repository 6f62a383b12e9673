import { timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ServeError } from './serve-error.ts';

export const CSRF_HEADER = 'x-csrf-token';
export const CSRF_FIELD = '_csrf';

/** Whether `given` is the session's CSRF token (constant time). */
export function csrfMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length !== expected.length) return false;
  return timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

/**
 * preHandler after requireRole: a state-changing request made with the session cookie must carry the session's token
 * (X-CSRF-Token header from htmx and scripts, or the _csrf field of a form). Bearer requests are exempt: no browser
 * sends that header by itself. A multipart upload checks its _csrf field in upload-handling.ts instead (the body is
 * read there).
 */
export async function requireCsrf(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const auth = request.auth;
  if (!auth || auth.via === 'bearer') return;
  if (csrfMatches(auth.session.csrf, request.headers[CSRF_HEADER])) return;
  const body = request.body as Record<string, unknown> | undefined;
  if (body && typeof body === 'object' && csrfMatches(auth.session.csrf, body[CSRF_FIELD])) return;
  throw new ServeError(403, 'CSRF_TOKEN_INVALID', 'the form is missing its CSRF token, or it belongs to another session: reload the page');
}
