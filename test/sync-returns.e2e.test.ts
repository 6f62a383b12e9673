import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { LedgerRow } from '../src/ledger/ledger-store.ts';
import { openLedger } from '../src/ledger/open-ledger.ts';
import { EXIT } from '../src/run-error.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';
import { ledgerRows, mutateAtProvider } from './support/simulator-admin.ts';

/**
 * Paid rows followed through the return window, end to end: batches paid by the CLI against the real simulator over
 * HTTP, settled by sync, then changed at the provider behind our back (POST /__admin/mutate), and a second sync.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const DAY_MS = 86_400_000;

const mutate = (sim: RecordingSimulator, body: Record<string, unknown>) => mutateAtProvider(sim.url, body);

const rowsOf = (ledgerPath: string) => ledgerRows(ledgerPath, ['paid', 'failed', 'pending']);

describe('sync follows paid rows through the return window', () => {
  it('records a return, a deletion and an amount change with the provider\'s words, asks only paid rows inside the window, exits 3', async () => {
    const sim = await startRecordingSimulator({ settleMs: 1000, seed: 5 });
    cleanups.push(() => sim.close());
    const dir = tempDir('payout-returns-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const ledgerPath = join(dir, 'ledger.sqlite');
    const common = ['--simulator-url', sim.url, '--ledger', ledgerPath, '--format', 'csv', '--json'];
    const run = (file: string, provider: string, out: string) => runCli(['run', file, '--provider', provider, ...common, '--out', join(dir, out)]);
    const sync = (out: string, extra: string[] = []) => runCli(['sync', '--all', ...common, '--out', join(dir, out), ...extra]);

    // An old Openpay batch, paid "40 days ago", then two recent batches: Openpay and Conekta.
    const oldFile = join(dir, 'old.csv');
    writeFileSync(oldFile, 'order_id,clabe,beneficiario,monto,moneda\nOLD-1,012180001183597198,Ana Old,10.00,MXN\nOLD-2,012180001183597198,Beto Old,11.00,MXN\n');
    expect((await run(oldFile, 'openpay', 'r-old')).code).toBe(0);
    await sim.advance(5000);
    expect((await sync('s-old')).code).toBe(0);
    const db = new Database(ledgerPath);
    const backdated = db
      .prepare(`UPDATE row_history SET at = ? WHERE to_status = 'paid' AND row_id IN (SELECT id FROM payout_rows WHERE order_key LIKE 'OLD-%')`)
      .run(new Date(Date.now() - 40 * DAY_MS).toISOString()).changes;
    db.close();
    expect(backdated).toBe(2);

    const openpayFile = join(dir, 'openpay.csv');
    writeFileSync(openpayFile, ['order_id,clabe,beneficiario,monto,moneda', ...[1, 2, 3, 4].map((i) => `RT-OP-${i},012180001183597198,Persona ${i},${100 + i}.25,MXN`)].join('\n'));
    const conektaFile = join(dir, 'conekta.csv');
    writeFileSync(conektaFile, ['reference,account_number,account_holder_name,amount,currency', ...[1, 2, 3].map((i) => `RT-CK-${i},072180009876543213,Titular ${i},${200 + i}.50,MXN`)].join('\n'));
    expect((await run(openpayFile, 'openpay', 'r-op')).code).toBe(0);
    expect((await run(conektaFile, 'conekta', 'r-ck')).code).toBe(0);
    await sim.advance(5000);
    const settled = await sync('s-settle');
    expect(settled.code).toBe(0);
    const paid = (await rowsOf(ledgerPath)).filter((r) => r.status === 'paid');
    const old = paid.filter((r) => r.orderKey!.startsWith('OLD-'));
    const recent = paid.filter((r) => !r.orderKey!.startsWith('OLD-'));
    expect(old).toHaveLength(2);
    const openpay = recent.filter((r) => r.provider === 'openpay');
    const conekta = recent.filter((r) => r.provider === 'conekta');
    expect(openpay).toHaveLength(4);
    expect(conekta).toHaveLength(3);

    // Behind our back: an Openpay payout fails (a SPEI return), a Conekta transfer disappears, another Openpay
    // payout shows another amount; an old payout fails too, outside the window.
    const [returned, changed] = openpay as [LedgerRow, LedgerRow];
    const deleted = conekta[0]!;
    await mutate(sim, { provider: 'openpay', provider_id: returned.providerPayoutId, status: 'failed' });
    await mutate(sim, { provider: 'conekta', provider_id: deleted.providerPayoutId, delete: true });
    await mutate(sim, { provider: 'openpay', provider_id: changed.providerPayoutId, amount_cents: changed.amountMinor! + 100 });
    await mutate(sim, { provider: 'openpay', provider_id: old[0]!.providerPayoutId, status: 'failed' });

    const from = sim.requests.length;
    const result = await sync('s-returns');
    const calls = sim.requests.slice(from).filter((r) => r.method === 'GET');
    const byId = (row: LedgerRow) => calls.filter((r) => r.path.includes(row.providerPayoutId!)).length;

    expect(result.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(result.summary?.return_window).toEqual({ days: 30, rechecked: recent.length, returned: 1, deleted: 1, amount_changed: 1, cleared: 0, return_reversed: 0, paid_twice: 0 });

    const after = new Map((await rowsOf(ledgerPath)).map((r) => [r.id, r]));
    expect(after.get(returned.id)).toMatchObject({ status: 'failed', errorCode: 'RETURNED', providerStatus: 'failed' });
    expect(after.get(deleted.id)).toMatchObject({ status: 'paid', errorCode: 'PROVIDER_DELETED' });
    expect(after.get(changed.id)).toMatchObject({ status: 'paid', errorCode: 'AMOUNT_CHANGED' });
    for (const row of recent.filter((r) => ![returned.id, deleted.id, changed.id].includes(r.id))) {
      expect(after.get(row.id)).toMatchObject({ status: 'paid' });
      expect(after.get(row.id)?.errorCode).toBeUndefined();
    }
    // Outside the window: not asked, still paid although the provider failed it.
    expect(after.get(old[0]!.id)).toMatchObject({ status: 'paid' });
    for (const row of old) expect(byId(row)).toBe(0);
    // Bounded: each paid row in the window asked once by sync (the reconciliation looks up once more the payout its
    // listing no longer shows: the deleted one).
    for (const row of recent) expect(byId(row)).toBe(row.id === deleted.id ? 2 : 1);

    const ledger = await openLedger(ledgerPath);
    try {
      expect((await ledger.history(returned.id)).at(-1)).toMatchObject({ from: 'paid', to: 'failed', cause: 'reversal', providerStatus: 'failed', errorCode: 'RETURNED' });
      const deletion = (await ledger.history(deleted.id)).at(-1);
      expect(deletion).toMatchObject({ from: 'paid', to: 'paid', cause: 'sync', errorCode: 'PROVIDER_DELETED' });
      // The provider's own words for the deletion: its error code and message of the 404.
      expect(deletion?.providerMessage ?? deletion?.providerCode).toBeTruthy();
      expect((await ledger.history(changed.id)).at(-1)).toMatchObject({ from: 'paid', to: 'paid', cause: 'sync', errorCode: 'AMOUNT_CHANGED', providerStatus: 'completed' });
    } finally {
      await ledger.close();
    }

    // Once flagged, a row stays visible: the next sync says so again, without a second history entry; with the window
    // off nothing paid is asked and the exit is clean.
    const again = await sync('s-again');
    expect(again.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(again.summary?.return_window).toMatchObject({ returned: 0, deleted: 1, amount_changed: 1 });
    // No row is pending any more: the hosts asked (and logged) are those of the paid rows in the window.
    const start = readFileSync(join(dir, 's-again', 'sync.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { event?: string; hosts?: object }).find((e) => e.event === 'start');
    expect(Object.keys(start?.hosts ?? {}).sort()).toEqual(['conekta', 'openpay']);
    // Without the window nothing is re-checked, but the rows already returned are failed: still money needing attention.
    const off = await sync('s-off', ['--return-window-days', '0']);
    expect(off.code).toBe(EXIT.MONEY_NEEDS_ATTENTION);
    expect(off.summary?.return_window).toBeUndefined();
  }, 120_000);
});
