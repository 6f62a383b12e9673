import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openReviewStore } from '../src/serve/open-review-store.ts';
import { startRecordingSimulator, type RecordingSimulator } from './support/cli.ts';
import { addUsers, payoutCsv, signIn, startTestServer, type TestServer } from './support/serve.ts';

/**
 * The column mapping changed in place on the review page: the file is planned again with it, the batch goes back to
 * review, and approvals given to the old plan no longer count.
 */
let sim: RecordingSimulator;
let server: TestServer;
beforeAll(async () => {
  sim = await startRecordingSimulator({ settleMs: 0 });
  // Two approvers for any MXN total: one approval stays pending while the mapping changes.
  server = await startTestServer({ simulatorUrl: sim.url, approval: { rules: [{ aboveMinor: 0, currency: 'MXN', approvers: 2 }], limits: {} } });
  await addUsers(server.ledgerPath, { olga: 'operator', ana: 'approver', beto: 'approver', vera: 'viewer' });
});
afterAll(async () => {
  await server?.stop();
  await sim?.close();
});

/** payoutCsv plus a column `monto_ok` holding a good amount on every row (the bad "doce pesos" row included). */
function csvWithCorrectedAmounts(prefix: string): string {
  const [header, ...lines] = payoutCsv(prefix).trim().split('\n');
  return `${[`${header},monto_ok`, ...lines.map((l, i) => `${l},${200 + i}.00`)].join('\n')}\n`;
}

describe('changing the column mapping on the review page', () => {
  it('plans the file again: new counts and plan hash, back to review, earlier approvals dropped, the new plan approved afresh', async () => {
    const olga = await signIn(server.url, 'olga');
    const ana = await signIn(server.url, 'ana');
    const beto = await signIn(server.url, 'beto');
    const up = await olga.upload(csvWithCorrectedAmounts('REMAP'));
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    expect(up.body.counts).toMatchObject({ valid: 3, invalid: 2 });
    const id = up.body.id as string;
    const oldHash = up.body.plan_hash as string;
    await olga.call('POST', `/api/batches/${id}/submit`);
    expect((await ana.call('POST', `/api/batches/${id}/approve`, { plan_hash: oldHash })).body.approvals.map((a: any) => a.user)).toEqual(['ana']);

    // Viewers and approvers do not change it; a mapping that names no field is refused and changes nothing.
    expect((await (await signIn(server.url, 'vera')).call('POST', `/api/batches/${id}/map`, { map: 'amount=monto_ok' })).status).toBe(403);
    expect((await ana.call('POST', `/api/batches/${id}/map`, { map: 'amount=monto_ok' })).status).toBe(403);
    const bad = await olga.call('POST', `/api/batches/${id}/map`, { map: 'importe=monto_ok' });
    expect(bad.status).toBe(422);
    expect(bad.body.error.code).toBe('USAGE');
    expect((await olga.call('GET', `/api/batches/${id}`)).body).toMatchObject({ status: 'awaiting_approval', plan_hash: oldHash });

    const remapped = await olga.call('POST', `/api/batches/${id}/map`, { map: 'amount=monto_ok' });
    expect(remapped.status, JSON.stringify(remapped.body)).toBe(200);
    expect(remapped.body).toMatchObject({ status: 'review', counts: { valid: 4, invalid: 1 }, approvals: [] });
    expect(remapped.body.plan_hash).not.toBe(oldHash);
    expect(remapped.body.summary.columns.amount).toBe('monto_ok');
    expect(remapped.body.totals[0]).toMatchObject({ count: 4, amount: '809.00' });
    const rows = await olga.call('GET', `/api/batches/${id}/rows?status=invalid`);
    expect(rows.body.rows.map((r: any) => [r.row, r.issues[0].code])).toEqual([[3, 'CLABE_CHECKSUM']]);

    // The old plan's approval is gone: approving needs a new submit, and the old hash is stale.
    expect((await beto.call('POST', `/api/batches/${id}/approve`, { plan_hash: oldHash })).body.error.code).toBe('NOT_AWAITING_APPROVAL');
    await olga.call('POST', `/api/batches/${id}/submit`);
    expect((await beto.call('POST', `/api/batches/${id}/approve`, { plan_hash: oldHash })).body.error.code).toBe('PLAN_HASH_STALE');
    expect((await beto.call('POST', `/api/batches/${id}/approve`, { plan_hash: remapped.body.plan_hash })).body.status).toBe('awaiting_approval');
    // Ana approves again, now the new plan: two approvals, it is paid.
    const approved = await ana.call('POST', `/api/batches/${id}/approve`, { plan_hash: remapped.body.plan_hash });
    expect(approved.status).toBe(200);
    expect(['approved', 'paying', 'finished']).toContain(approved.body.status);

    const store = await openReviewStore(server.ledgerPath);
    const trail = (await store.auditFor(id)).map((e) => [e.who ?? null, e.action]);
    await store.close();
    expect(trail.slice(0, 6)).toEqual([
      ['olga', 'upload'],
      ['olga', 'submit'],
      ['ana', 'approve'],
      ['olga', 'remap'],
      ['olga', 'submit'],
      ['beto', 'approve'],
    ]);
  });

  it('the page offers the mapping as field=Header lines to an operator, and takes the form post without JavaScript', async () => {
    const olga = await signIn(server.url, 'olga');
    const up = await olga.upload(csvWithCorrectedAmounts('REMAPFORM'));
    const id = up.body.id as string;
    const login = await fetch(`${server.url}/api/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username: 'olga', password: 'a long test password' }) });
    const { csrf_token: csrf } = (await login.json()) as { csrf_token: string };
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    const html = await (await fetch(`${server.url}/batches/${id}`, { headers: { cookie } })).text();
    expect(html).toContain(`action="/api/batches/${id}/map"`);
    expect(html).toMatch(/<textarea name="map"[^>]*>[^<]*amount=monto\n/);
    const form = new URLSearchParams({ _csrf: csrf, map: 'order_id=order_id\namount=monto_ok' });
    const posted = await fetch(`${server.url}/api/batches/${id}/map`, { method: 'POST', redirect: 'manual', headers: { cookie, accept: 'text/html', 'content-type': 'application/x-www-form-urlencoded' }, body: form });
    expect(posted.status).toBe(303);
    expect((await olga.call('GET', `/api/batches/${id}`)).body.counts).toMatchObject({ valid: 4, invalid: 1 });
    // Without the CSRF field: refused.
    const forged = await fetch(`${server.url}/api/batches/${id}/map`, { method: 'POST', headers: { cookie, 'content-type': 'application/x-www-form-urlencoded' }, body: 'map=amount%3Dmonto' });
    expect(forged.status).toBe(403);
  });
});
