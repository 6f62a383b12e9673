import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openLedger } from '../../ledger/open-ledger.ts';
import { syncCommand, type SyncArgs } from './sync-command.ts';

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('syncCommand', () => {
  it('refuses what it cannot do, with stable codes, before asking any provider', async () => {
    dir = mkdtempSync(join(tmpdir(), 'payout-sync-cmd-'));
    // Port 9 (discard): nothing there; none of these may get as far as calling it.
    const base: SyncArgs = { all: false, untilFinal: false, timeout: 10, maxAttempts: 5, target: 'simulator', simulatorUrl: 'http://127.0.0.1:9', ledger: join(dir, 'ledger.sqlite'), format: 'csv', json: true, yes: false };
    // A fresh in-process simulator has none of the batch's payouts.
    await expect(syncCommand({ ...base, simulatorUrl: undefined })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(syncCommand({ ...base, batch: 'b', all: true })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(syncCommand({ ...base, maxAttempts: 0 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(syncCommand({ ...base, timeout: -1 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(syncCommand({ ...base, returnWindowDays: -1 })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(syncCommand({ ...base, returnWindowDays: Number.NaN })).rejects.toMatchObject({ code: 'USAGE' });
    // A mistyped --ledger is an error, and no empty ledger is left behind.
    await expect(syncCommand(base)).rejects.toMatchObject({ code: 'LEDGER_ERROR' });
    expect(existsSync(base.ledger!)).toBe(false);
    await (await openLedger(base.ledger!)).close();
    await expect(syncCommand(base)).rejects.toMatchObject({ code: 'USAGE' }); // no batch in the ledger
    await expect(syncCommand({ ...base, batch: 'nope' })).rejects.toMatchObject({ code: 'USAGE' });
  });
});
