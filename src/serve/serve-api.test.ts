import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReviewStore } from './open-review-store.ts';
import { ROOT, startRecordingSimulator, tempDir, type RecordingSimulator } from '../../test/support/cli.ts';
import { addUsers, payoutCsv, PASSWORD, signIn, startTestServer, waitFor, type TestServer } from '../../test/support/serve.ts';

let sim: RecordingSimulator;
beforeAll(async () => {
  sim = await startRecordingSimulator({ settleMs: 0 });
});
afterAll(async () => {
  await sim.close();
});

const USERS = { olga: 'operator', otto: 'operator', ana: 'approver', beto: 'approver', vera: 'viewer' } as const;

async function withServer(body: (server: TestServer) => Promise<void>, options: Partial<Parameters<typeof startTestServer>[0]> = {}) {
  const server = await startTestServer({ simulatorUrl: sim.url, ...options });
  await addUsers(server.ledgerPath, USERS);
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

describe('payout-batch serve API', () => {
  it('takes a batch through review → awaiting_approval → approved → paying → finished; maker ≠ checker, one approval each', async () => {
    await withServer(async (server) => {
      const olga = await signIn(server.url, 'olga');
      const ana = await signIn(server.url, 'ana');
      const sentBefore = sim.moneyMoving();
      const up = await olga.upload(payoutCsv('FLOW'), { provider: 'openpay' }, '../../evil name.csv');
      expect(up.status).toBe(201);
      expect(up.body).toMatchObject({ status: 'review', counts: { valid: 3, invalid: 2 } });
      expect(up.body.totals[0]).toMatchObject({ provider: 'openpay', currency: 'MXN', count: 3, amount: '303.00' });
      // Stored under a generated name, never the uploaded one.
      expect(readdirSync(join(server.dataDir, 'uploads'))).toEqual([expect.stringMatching(/^[0-9a-f-]{36}\.csv$/)]);
      const id = up.body.id as string;

      const rows = await olga.call('GET', `/api/batches/${id}/rows?status=invalid`);
      expect(rows.body.total).toBe(2);
      expect(rows.body.rows.map((r: any) => [r.row, r.order_id, r.issues[0].code, r.issues[0].column])).toEqual([
        [3, 'FLOW-BAD1', 'CLABE_CHECKSUM', 'clabe'],
        [6, 'FLOW-BAD2', expect.stringMatching(/^AMOUNT_/), 'monto'],
      ]);
      const byCode = await olga.call('GET', `/api/batches/${id}/rows?code=CLABE_CHECKSUM&limit=1`);
      expect(byCode.body.rows.map((r: any) => r.row)).toEqual([3]);
      const page2 = await olga.call('GET', `/api/batches/${id}/rows?offset=2&limit=2`);
      expect(page2.body).toMatchObject({ total: 5, offset: 2, limit: 2 });
      expect(page2.body.rows.map((r: any) => r.row)).toEqual([4, 5]);

      // Not yet submitted: nothing to approve.
      expect((await ana.call('POST', `/api/batches/${id}/approve`, { plan_hash: up.body.plan_hash })).body.error.code).toBe('NOT_AWAITING_APPROVAL');
      const submitted = await olga.call('POST', `/api/batches/${id}/submit`);
      expect(submitted.status).toBe(200);
      expect(submitted.body.status).toBe('awaiting_approval');
      expect((await olga.call('POST', `/api/batches/${id}/submit`)).status).toBe(409);

      const stale = await ana.call('POST', `/api/batches/${id}/approve`, { plan_hash: 'f'.repeat(64) });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('PLAN_HASH_STALE');
      const approved = await ana.call('POST', `/api/batches/${id}/approve`, { plan_hash: up.body.plan_hash });
      expect(approved.status).toBe(200);
      expect(approved.body.approvals.map((a: any) => a.user)).toEqual(['ana']);
      const finished = await waitFor(() => ana.call('GET', `/api/batches/${id}`), (r) => r.body.status === 'finished');
      expect(finished.body.progress).toMatchObject({ total: 3, done: 3, paid_or_pending: 3, failed: 0 });
      expect((await ana.call('POST', `/api/batches/${id}/approve`, { plan_hash: up.body.plan_hash })).status).toBe(409);

      // The three valid rows, each sent once; the bad ones never.
      expect(sim.moneyMoving() - sentBefore).toBe(3);

      const csv = await ana.call('GET', `/api/batches/${id}/files/results.csv`);
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toContain('text/csv');
      expect(String(csv.body)).toContain('FLOW-0001');
      for (const f of ['results.xlsx', 'statement.xlsx', 'reconciliation.xlsx']) expect((await ana.call('GET', `/api/batches/${id}/files/${f}`)).status).toBe(200);
      expect((await ana.call('GET', `/api/batches/${id}/files/..%2Fledger.sqlite`)).status).toBe(404);
      expect(String((await ana.call('GET', `/api/batches/${id}/files/errors.csv`)).body)).toContain('CLABE_CHECKSUM');
      const list = await ana.call('GET', '/api/batches');
      expect(list.body.batches.map((b: any) => [b.id, b.status, b.uploader])).toEqual([[id, 'finished', 'olga']]);

      // Every step in the ledger's audit log: who, what, from where.
      const store = await openReviewStore(server.ledgerPath);
      const audit = await store.auditFor(id);
      await store.close();
      expect(audit.map((e) => [e.who ?? null, e.action])).toEqual([
        ['olga', 'upload'],
        ['olga', 'submit'],
        ['ana', 'approve'],
        [null, 'status_approved'],
        [null, 'status_paying'],
        [null, 'status_finished'],
      ]);
      expect(audit[0]).toMatchObject({ remote: '127.0.0.1', detail: { file_name: 'evil name.csv', plan_hash: up.body.plan_hash } });

      // Signing out ends the token.
      expect((await ana.call('DELETE', '/api/session')).status).toBe(204);
      expect((await ana.call('GET', '/api/batches')).status).toBe(401);
    });
  });

  it('refuses the uploader approving their own batch, a second approval, and approvals from operators and viewers', async () => {
    await withServer(async (server) => {
      await addUsers(server.ledgerPath, { maya: 'approver' });
      const olga = await signIn(server.url, 'olga');
      const up = await olga.upload(payoutCsv('MAKER'));
      await olga.call('POST', `/api/batches/${up.body.id}/submit`);
      const hash = up.body.plan_hash;
      const otto = await signIn(server.url, 'otto');
      const vera = await signIn(server.url, 'vera');
      for (const c of [olga, otto, vera]) {
        const r = await c.call('POST', `/api/batches/${up.body.id}/approve`, { plan_hash: hash });
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe('ROLE_FORBIDDEN');
      }
      // Viewers read but change nothing; approvers do not upload.
      expect((await vera.call('GET', `/api/batches/${up.body.id}`)).status).toBe(200);
      for (const path of ['submit', 'reject', 'pause', 'resume']) expect((await vera.call('POST', `/api/batches/${up.body.id}/${path}`)).status).toBe(403);
      expect((await vera.upload(payoutCsv('V'))).status).toBe(403);
      expect((await (await signIn(server.url, 'ana')).upload(payoutCsv('A'))).status).toBe(403);
      expect((await fetch(`${server.url}/api/batches`)).status).toBe(401);
      expect((await fetch(`${server.url}/api/batches/${up.body.id}`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    });
  });

  it('needs two approvers above the configured amount, one below, and counts a person once', async () => {
    const approval = { rules: [{ aboveMinor: 30_000, currency: 'MXN' as const, approvers: 2 }], limits: {} };
    await withServer(
      async (server) => {
        const olga = await signIn(server.url, 'olga');
        const ana = await signIn(server.url, 'ana');
        const beto = await signIn(server.url, 'beto');
        const small = await olga.upload(payoutCsv('SMALL', 2)); // 100 + 101 = 201.00 MXN
        const big = await olga.upload(payoutCsv('BIG', 3)); // 303.00 MXN: above 300.00
        expect(small.body.required_approvals).toBe(1);
        expect(big.body.required_approvals).toBe(2);
        for (const b of [small, big]) await olga.call('POST', `/api/batches/${b.body.id}/submit`);

        const first = await ana.call('POST', `/api/batches/${big.body.id}/approve`, { plan_hash: big.body.plan_hash });
        expect(first.body.status).toBe('awaiting_approval');
        expect(first.body.eligible_approvers).toEqual(['beto']);
        const twice = await ana.call('POST', `/api/batches/${big.body.id}/approve`, { plan_hash: big.body.plan_hash });
        expect(twice.status).toBe(409);
        expect(twice.body.error.code).toBe('ALREADY_APPROVED');
        const second = await beto.call('POST', `/api/batches/${big.body.id}/approve`, { plan_hash: big.body.plan_hash });
        expect(['approved', 'paying', 'finished']).toContain(second.body.status);

        const one = await ana.call('POST', `/api/batches/${small.body.id}/approve`, { plan_hash: small.body.plan_hash });
        expect(['approved', 'paying', 'finished']).toContain(one.body.status);
        await waitFor(() => ana.call('GET', '/api/batches'), (r) => r.body.batches.every((b: any) => b.status === 'finished'));
      },
      { approval },
    );
  });

  it('shows "no eligible approver" when the only approver is over their limit', async () => {
    const approval = { rules: [], limits: { ana: { MXN: 10_000 }, beto: { MXN: 10_000 } } };
    await withServer(
      async (server) => {
        const olga = await signIn(server.url, 'olga');
        const up = await olga.upload(payoutCsv('LIMIT'));
        const view = await olga.call('POST', `/api/batches/${up.body.id}/submit`);
        expect(view.body.no_eligible_approver).toBe(true);
        const r = await (await signIn(server.url, 'ana')).call('POST', `/api/batches/${up.body.id}/approve`, { plan_hash: up.body.plan_hash });
        expect(r.status).toBe(403);
        expect(r.body.error.code).toBe('APPROVAL_LIMIT');
      },
      { approval },
    );
  });

  it('asks for new approvals when the plan changes: another batch paid some of its order_ids first', async () => {
    await withServer(async (server) => {
      const olga = await signIn(server.url, 'olga');
      const ana = await signIn(server.url, 'ana');
      const first = await olga.upload(payoutCsv('SHARED', 3));
      // The same order_ids plus one more, in another file: reviewed while the first is not yet paid.
      const second = await olga.upload(payoutCsv('SHARED', 4));
      expect(second.body.counts.valid).toBe(4);
      await olga.call('POST', `/api/batches/${second.body.id}/submit`);
      await olga.call('POST', `/api/batches/${first.body.id}/submit`);
      await ana.call('POST', `/api/batches/${first.body.id}/approve`, { plan_hash: first.body.plan_hash });
      await waitFor(() => ana.call('GET', `/api/batches/${first.body.id}`), (r) => r.body.status === 'finished');
      const stale = await ana.call('POST', `/api/batches/${second.body.id}/approve`, { plan_hash: second.body.plan_hash });
      expect(stale.status).toBe(409);
      expect(stale.body.error.code).toBe('PLAN_HASH_STALE');
      const now = await ana.call('GET', `/api/batches/${second.body.id}`);
      expect(now.body.plan_hash).not.toBe(second.body.plan_hash);
      expect(now.body.counts).toMatchObject({ valid: 1, duplicate: 3 });
      expect(now.body.summary.duplicates).toEqual([{ batchId: expect.any(String), rows: 3 }]);
      const fresh = await ana.call('POST', `/api/batches/${second.body.id}/approve`, { plan_hash: now.body.plan_hash });
      expect(fresh.status).toBe(200);
    });
  });

  it('rejects from review and from awaiting approval; a rejected batch moves no further', async () => {
    await withServer(async (server) => {
      const olga = await signIn(server.url, 'olga');
      const ana = await signIn(server.url, 'ana');
      const a = await olga.upload(payoutCsv('REJA'));
      const r1 = await olga.call('POST', `/api/batches/${a.body.id}/reject`, { reason: 'wrong file' });
      expect(r1.body).toMatchObject({ status: 'rejected', reason: 'wrong file' });
      expect((await olga.call('POST', `/api/batches/${a.body.id}/submit`)).status).toBe(409);
      const b = await olga.upload(payoutCsv('REJB'));
      await olga.call('POST', `/api/batches/${b.body.id}/submit`);
      expect((await ana.call('POST', `/api/batches/${b.body.id}/reject`, { reason: 'no' })).body.status).toBe('rejected');
      expect((await ana.call('POST', `/api/batches/${b.body.id}/approve`, { plan_hash: b.body.plan_hash })).status).toBe(409);
    });
  });

  it('pauses (no new rows; in flight settles) and resumes to the end, paying each row once', async () => {
    const slow = await startRecordingSimulator({ settleMs: 0, faults: 'latency=150..200' });
    try {
      await withServer(
        async (server) => {
          const olga = await signIn(server.url, 'olga');
          const ana = await signIn(server.url, 'ana');
          const up = await olga.upload(payoutCsv('PAUSE', 200));
          await olga.call('POST', `/api/batches/${up.body.id}/submit`);
          await ana.call('POST', `/api/batches/${up.body.id}/approve`, { plan_hash: up.body.plan_hash });
          await waitFor(() => olga.call('GET', `/api/batches/${up.body.id}`), (r) => r.body.status === 'paying' && r.body.progress?.done > 0);
          const paused = await olga.call('POST', `/api/batches/${up.body.id}/pause`);
          expect(paused.status).toBe(200);
          expect(paused.body.status).toBe('paused');
          const at = paused.body.progress.done as number;
          // At most the requests in flight (concurrency 32) settle after the pause.
          expect(at).toBeLessThan(200);
          await new Promise((r) => setTimeout(r, 500));
          expect((await olga.call('GET', `/api/batches/${up.body.id}`)).body.progress.done).toBe(at);
          expect((await olga.call('POST', `/api/batches/${up.body.id}/resume`)).body.status).toBe('paying');
          const end = await waitFor(() => olga.call('GET', `/api/batches/${up.body.id}`), (r) => r.body.status === 'finished', 30_000);
          expect(end.body.progress).toMatchObject({ total: 200, done: 200, failed: 0 });
          // One payout request per row, pause or not.
          expect(slow.moneyMoving()).toBe(200);
          expect(new Set((await slow.journal()).map((e) => e.provider_id)).size).toBe(200);
        },
        { simulatorUrl: slow.url },
      );
    } finally {
      await slow.close();
    }
  });

  it('fails a batch that no longer fits the balance when it is to be paid, and says why; refuses to submit one that does not fit', async () => {
    // 500.00 MXN: one batch of 303.00 (+ 27.84 fees and IVA) fits; after it is paid a second one does not.
    const poor = await startRecordingSimulator({ settleMs: 0, balanceMinor: 50_000 });
    try {
      await withServer(
        async (server) => {
          const olga = await signIn(server.url, 'olga');
          const ana = await signIn(server.url, 'ana');
          const a = await olga.upload(payoutCsv('FUNDA'));
          const b = await olga.upload(payoutCsv('FUNDB'));
          for (const x of [a, b]) await olga.call('POST', `/api/batches/${x.body.id}/submit`);
          await ana.call('POST', `/api/batches/${a.body.id}/approve`, { plan_hash: a.body.plan_hash });
          await waitFor(() => ana.call('GET', `/api/batches/${a.body.id}`), (r) => r.body.status === 'finished');
          await ana.call('POST', `/api/batches/${b.body.id}/approve`, { plan_hash: b.body.plan_hash });
          const failed = await waitFor(() => ana.call('GET', `/api/batches/${b.body.id}`), (r) => r.body.status === 'failed');
          expect(failed.body.reason).toMatch(/^INSUFFICIENT_FUNDS/);
          expect(poor.moneyMoving()).toBe(3);
          const c = await olga.upload(payoutCsv('FUNDC'));
          expect(c.body.summary.insufficientFunds).toBe(true);
          const refused = await olga.call('POST', `/api/batches/${c.body.id}/submit`);
          expect(refused.status).toBe(422);
          expect(refused.body.error.code).toBe('INSUFFICIENT_FUNDS');
        },
        { simulatorUrl: poor.url },
      );
    } finally {
      await poor.close();
    }
  });

  it('streams progress and status over SSE', async () => {
    await withServer(async (server) => {
      const olga = await signIn(server.url, 'olga');
      const ana = await signIn(server.url, 'ana');
      const up = await olga.upload(payoutCsv('SSE', 4));
      await olga.call('POST', `/api/batches/${up.body.id}/submit`);
      const res = await fetch(`${server.url}/api/batches/${up.body.id}/events`, { headers: { authorization: `Bearer ${olga.token}` } });
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const reader = res.body!.getReader();
      let text = '';
      const readUntil = async (needle: string) => {
        while (!text.includes(needle)) text += new TextDecoder().decode((await reader.read()).value);
      };
      await readUntil('"status":"awaiting_approval"');
      await ana.call('POST', `/api/batches/${up.body.id}/approve`, { plan_hash: up.body.plan_hash });
      await readUntil('"status":"finished"');
      await reader.cancel();
      expect(text).toMatch(/event: progress\ndata: \{"total":4,"done":4/);
    });
  });

  it('refuses a state-changing request from a cookie session without the CSRF token; limits failed sign-ins', async () => {
    await withServer(
      async (server) => {
        const login = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'olga', password: PASSWORD }) });
        const cookie = login.headers.get('set-cookie')!;
        expect(cookie).toMatch(/pb_session=[^;]+; Path=\/; HttpOnly; SameSite=Strict/i);
        const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
        const session = cookie.split(';')[0]!;
        const form = (withToken: boolean) => {
          const f = new FormData();
          if (withToken) f.append('_csrf', csrf);
          f.append('provider', 'openpay');
          f.append('file', new Blob([payoutCsv('CSRF')]), 'a.csv');
          return f;
        };
        const forged = await fetch(`${server.url}/api/batches`, { method: 'POST', headers: { cookie: session }, body: form(false) });
        expect(forged.status).toBe(403);
        expect(((await forged.json()) as any).error.code).toBe('CSRF_TOKEN_INVALID');
        expect(readdirSync(join(server.dataDir, 'uploads'))).toEqual([]);
        const ok = await fetch(`${server.url}/api/batches`, { method: 'POST', headers: { cookie: session }, body: form(true) });
        expect(ok.status).toBe(201);
        const { id } = (await ok.json()) as { id: string };
        const noToken = await fetch(`${server.url}/api/batches/${id}/submit`, { method: 'POST', headers: { cookie: session } });
        expect(noToken.status).toBe(403);
        const wrong = await fetch(`${server.url}/api/batches/${id}/submit`, { method: 'POST', headers: { cookie: session, 'x-csrf-token': 'x'.repeat(csrf.length) } });
        expect(wrong.status).toBe(403);
        const right = await fetch(`${server.url}/api/batches/${id}/submit`, { method: 'POST', headers: { cookie: session, 'x-csrf-token': csrf } });
        expect(right.status).toBe(200);

        for (let i = 0; i < 3; i++) {
          const bad = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ana', password: 'wrong password' }) });
          expect(bad.status).toBe(401);
        }
        const limited = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'ana', password: PASSWORD }) });
        expect(limited.status).toBe(429);
        expect(((await limited.json()) as any).error.code).toBe('LOGIN_RATE_LIMITED');
      },
      { auth: { maxFailuresPerUser: 3 } },
    );
  });

  it('keeps sessions in the ledger: a restart signs no one out (cookie and CSRF token still good), an unused one ends', async () => {
    const dir = tempDir('serve-sessions-');
    let now = Date.parse('2026-05-01T12:00:00Z');
    const auth = { now: () => now, idleMs: 3_600_000 };
    const first = await startTestServer({ simulatorUrl: sim.url, dir, auth });
    await addUsers(first.ledgerPath, USERS);
    const login = await fetch(`${first.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'olga', password: PASSWORD }) });
    const { token, csrf_token: csrf } = (await login.json()) as { token: string; csrf_token: string };
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    await first.stop();

    const second = await startTestServer({ simulatorUrl: sim.url, dir, auth });
    try {
      const up = await fetch(`${second.url}/api/batches`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: (() => {
        const f = new FormData();
        f.append('provider', 'openpay');
        f.append('file', new Blob([payoutCsv('SESS')]), 'a.csv');
        return f;
      })() });
      expect(up.status).toBe(201);
      const { id } = (await up.json()) as { id: string };
      // The cookie session's CSRF token is the same after the restart.
      const submit = await fetch(`${second.url}/api/batches/${id}/submit`, { method: 'POST', headers: { cookie, 'x-csrf-token': csrf } });
      expect(submit.status).toBe(200);
      // The ledger keeps the token's SHA-256, never the token.
      const raw = new Database(second.ledgerPath, { readonly: true });
      const hashes = raw.prepare('SELECT token_hash FROM serve_sessions').pluck().all() as string[];
      raw.close();
      expect(hashes).toEqual([createHash('sha256').update(token).digest('hex')]);

      // Used 50 minutes later: still good, and its idle time starts again.
      now += 50 * 60_000;
      expect((await fetch(`${second.url}/api/batches`, { headers: { cookie } })).status).toBe(200);
      now += 59 * 60_000;
      expect((await fetch(`${second.url}/api/batches`, { headers: { cookie } })).status).toBe(200);
      // Then unused past the idle time: ended.
      now += 61 * 60_000;
      expect((await fetch(`${second.url}/api/batches`, { headers: { cookie } })).status).toBe(401);
      expect((await fetch(`${second.url}/api/batches`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
    } finally {
      await second.stop();
    }
  });

  it('works without JavaScript: form posts with the CSRF field, answered with redirects to the pages', async () => {
    await withServer(async (server) => {
      const html = { accept: 'text/html' };
      const login = await fetch(`${server.url}/api/session`, { method: 'POST', redirect: 'manual', headers: { ...html, 'content-type': 'application/x-www-form-urlencoded' }, body: 'username=olga&password=' + encodeURIComponent(PASSWORD) });
      expect(login.status).toBe(303);
      expect(login.headers.get('location')).toBe('/');
      const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
      const home = await (await fetch(`${server.url}/`, { headers: { ...html, cookie } })).text();
      const csrf = /name="_csrf" value="([^"]+)"/.exec(home)![1]!;
      const form = new FormData();
      form.append('_csrf', csrf);
      form.append('provider', 'openpay');
      form.append('file', new Blob([payoutCsv('NOJS')]), 'pagos.csv');
      const up = await fetch(`${server.url}/api/batches`, { method: 'POST', redirect: 'manual', headers: { ...html, cookie }, body: form });
      expect(up.status).toBe(303);
      const location = up.headers.get('location')!;
      expect(location).toMatch(/^\/batches\/b_/);
      const review = await (await fetch(`${server.url}${location}`, { headers: { ...html, cookie } })).text();
      expect(review.match(/<td class="bad"/g)).toHaveLength(2);
      expect(review).toContain('Pay the 3 valid rows');
      const submit = await fetch(`${server.url}/api${location}/submit`, { method: 'POST', redirect: 'manual', headers: { ...html, cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(csrf)}` });
      expect(submit.status).toBe(303);
      expect(await (await fetch(`${server.url}${location}`, { headers: { ...html, cookie } })).text()).toContain('awaiting_approval');
      // A form from elsewhere (no token) gets the error page, not the action.
      const forged = await fetch(`${server.url}/api${location}/reject`, { method: 'POST', redirect: 'manual', headers: { ...html, cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'reason=x' });
      expect(forged.status).toBe(403);
      expect(await forged.text()).toContain('CSRF_TOKEN_INVALID');
      // Without a session, a page sends you to sign in.
      expect((await fetch(`${server.url}${location}`, { redirect: 'manual', headers: html })).headers.get('location')).toBe('/login');
    });
  });

  it('reads XLSX uploads and takes the column mapping and the sheet from the form, as --map and --sheet', async () => {
    await withServer(async (server) => {
      const olga = await signIn(server.url, 'olga');
      const xlsx = readFileSync(join(ROOT, 'samples', 'openpay-payouts.xlsx'));
      const form = new FormData();
      form.append('provider', 'openpay');
      form.append('file', new Blob([xlsx]), 'pagos.xlsx');
      const res = await fetch(`${server.url}/api/batches`, { method: 'POST', headers: { authorization: `Bearer ${olga.token}` }, body: form });
      const body = (await res.json()) as any;
      expect(res.status).toBe(201);
      expect(body.summary.format).toBe('xlsx');
      expect(body.counts.valid).toBeGreaterThan(0);
      expect(readdirSync(join(server.dataDir, 'uploads'))).toContainEqual(expect.stringMatching(/\.xlsx$/));
      const wrongSheet = new FormData();
      wrongSheet.append('provider', 'openpay');
      wrongSheet.append('sheet', 'No existe');
      wrongSheet.append('file', new Blob([xlsx]), 'pagos.xlsx');
      const noSheet = await fetch(`${server.url}/api/batches`, { method: 'POST', headers: { authorization: `Bearer ${olga.token}` }, body: wrongSheet });
      expect(noSheet.status).toBe(422);
      expect(((await noSheet.json()) as any).error.code).toBe('SHEET_NOT_FOUND');

      const renamed = payoutCsv('MAP').replace('order_id,', 'Folio interno,');
      const unmapped = await olga.upload(renamed);
      expect(unmapped.status).toBe(422);
      expect(unmapped.body.error.code).toBe('COLUMNS_MISSING');
      const mapped = await olga.upload(renamed, { provider: 'openpay', map: 'order_id=Folio interno' });
      expect(mapped.status).toBe(201);
      expect(mapped.body.summary.columns.order_id).toBe('Folio interno');
      expect(mapped.body.counts).toMatchObject({ valid: 3, invalid: 2 });
      expect(mapped.body.summary.unused).toEqual([]);
    });
  });

  it('answers a bad upload with 422 / 413 and keeps nothing of it', async () => {
    await withServer(async (server) => {
      const olga = await signIn(server.url, 'olga');
      const missing = await olga.upload('nombre,monto\nx,1\n');
      expect(missing.status).toBe(422);
      expect(missing.body.error.code).toBe('COLUMNS_MISSING');
      expect((await olga.upload(payoutCsv('P'), { provider: 'paypal' })).body.error.code).toBe('PROVIDER_UNKNOWN');
      const huge = await olga.upload('x'.repeat(26 * 1024 * 1024));
      expect(huge.status).toBe(413);
      expect(readdirSync(join(server.dataDir, 'uploads'))).toEqual([]);
    });
  });
});
