import { createHash, createHmac, randomBytes } from 'node:crypto';
import type {} from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DUMMY_HASH, verifyPassword } from './passwords.ts';
import type { ReviewStore, Role, User } from './review-store.ts';
import { ServeError } from './serve-error.ts';

export const SESSION_COOKIE = 'pb_session';

export interface Session {
  token: string;
  /** Sent back with every state-changing request made from the page (csrf.ts). */
  csrf: string;
  user: string;
  createdAt: number;
  seenAt: number;
}

export interface Authenticated {
  session: Session;
  user: User;
  /** Bearer: automation, exempt from the CSRF check (a browser never adds that header by itself). */
  via: 'cookie' | 'bearer';
}

declare module 'fastify' {
  interface FastifyRequest {
    auth?: Authenticated;
  }
}

export interface SessionAuthOptions {
  now?: () => number;
  /** A session unused this long ends (default 8 h). */
  idleMs?: number;
  /** Failed logins allowed per user name and per address in `windowMs` (default 5 and 20 in 15 min). */
  maxFailuresPerUser?: number;
  maxFailuresPerAddress?: number;
  windowMs?: number;
}

/** How stale a session's last-seen time may get before a request writes it again (one write a minute, not per request). */
const TOUCH_AFTER_MS = 60_000;

/** What the ledger keeps of a token: its SHA-256, so that a copy of the ledger signs no one in. */
export function sessionTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The session's CSRF token, derived from its secret token: nothing more to store, the same on every server. */
export function csrfTokenOf(token: string): string {
  return createHmac('sha256', token).update('payout-batch csrf').digest('base64url');
}

/**
 * Sessions kept in the ledger (the token's hash and its idle expiry: a restart signs no one out, and every server on a
 * shared ledger knows them), login with a failure limit per name and per address (in memory, per server), and the
 * request's user re-read from the ledger on every request, so a removed user or a changed role takes effect at once.
 */
export class SessionAuth {
  private readonly failures = new Map<string, number[]>();
  private readonly now: () => number;
  private readonly idleMs: number;
  private readonly windowMs: number;

  constructor(
    private readonly store: ReviewStore,
    private readonly options: SessionAuthOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.idleMs = options.idleMs ?? 8 * 3600_000;
    this.windowMs = options.windowMs ?? 15 * 60_000;
  }

  async login(name: string, password: string, remote: string): Promise<Session> {
    const keys = [`user:${name}`, `addr:${remote}`];
    const limits = [this.options.maxFailuresPerUser ?? 5, this.options.maxFailuresPerAddress ?? 20];
    const wait = keys.map((k, i) => this.retryAfter(k, limits[i]!)).reduce((a, b) => Math.max(a, b), 0);
    if (wait > 0) throw new ServeError(429, 'LOGIN_RATE_LIMITED', `too many failed sign-ins: try again in ${Math.ceil(wait / 1000)} s`);
    const user = await this.store.getUser(name);
    // A missing user costs one hash too, so the answer time does not tell which names exist.
    const ok = await verifyPassword(password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !ok) {
      for (const k of keys) this.failures.set(k, [...(this.failures.get(k) ?? []), this.now()]);
      await this.store.audit({ who: name, action: 'login_failed', remote });
      throw new ServeError(401, 'LOGIN_FAILED', 'wrong user name or password');
    }
    this.failures.delete(keys[0]!);
    const token = randomBytes(32).toString('base64url');
    const at = this.now();
    const session: Session = { token, csrf: csrfTokenOf(token), user: user.name, createdAt: at, seenAt: at };
    await this.store.createSession({ tokenHash: sessionTokenHash(token), user: user.name, createdAt: new Date(at), seenAt: new Date(at), expiresAt: new Date(at + this.idleMs) });
    await this.store.audit({ who: user.name, action: 'login', remote });
    return session;
  }

  async logout(token: string): Promise<void> {
    await this.store.deleteSession(sessionTokenHash(token));
  }

  /** The signed-in user of a request (Bearer header first, else the session cookie), or undefined. */
  async authenticate(request: FastifyRequest): Promise<Authenticated | undefined> {
    const header = request.headers.authorization;
    const bearer = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const token = bearer ?? request.cookies[SESSION_COOKIE];
    if (!token) return undefined;
    const hash = sessionTokenHash(token);
    const now = this.now();
    const stored = await this.store.getSession(hash, new Date(now));
    if (!stored) return undefined;
    const user = await this.store.getUser(stored.user);
    if (!user) {
      await this.store.deleteSession(hash);
      return undefined;
    }
    if (now - stored.seenAt.getTime() > TOUCH_AFTER_MS) await this.store.touchSession(hash, new Date(now), new Date(now + this.idleMs));
    const session: Session = { token, csrf: csrfTokenOf(token), user: user.name, createdAt: stored.createdAt.getTime(), seenAt: now };
    return { session, user, via: bearer ? 'bearer' : 'cookie' };
  }

  private retryAfter(key: string, limit: number): number {
    const since = this.now() - this.windowMs;
    const recent = (this.failures.get(key) ?? []).filter((t) => t > since);
    this.failures.set(key, recent);
    return recent.length >= limit ? recent[0]! + this.windowMs - this.now() : 0;
  }
}

/** preHandler: 401 without a session, 403 for a role not in `roles`. */
export function requireRole(auth: SessionAuth, roles: readonly Role[]) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const who = await auth.authenticate(request);
    if (!who) throw new ServeError(401, 'UNAUTHENTICATED', 'sign in first');
    request.auth = who;
    if (!roles.includes(who.user.role)) throw new ServeError(403, 'ROLE_FORBIDDEN', `${who.user.name} is ${who.user.role}: this needs ${roles.join(' or ')}`);
  };
}

export const ALL_ROLES: readonly Role[] = ['operator', 'approver', 'viewer'];
