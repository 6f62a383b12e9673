import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Target } from '../../config/config-types.ts';
import { openLedger } from '../../ledger/open-ledger.ts';
import { zeroLeafPage } from '../../ledger/test-support/damage-ledger.ts';
import { openBatchInput, queuedRow } from '../../ledger/test-support/fixtures.ts';
import { withCommandScope, type LedgerOptions, type OpenedLedger } from './command-scope.ts';

let dir: string;
let stderr: string[];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'payout-scope-'));
  stderr = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(dir, { recursive: true, force: true });
});

/** Opens the ledger in a scope and returns what the body saw (the scope closes the ledger). */
function open(target: Target, options: LedgerOptions, inspect: (opened: OpenedLedger) => unknown = () => {}) {
  return withCommandScope({ target, signals: false, config: undefined }, async (scope) => {
    const opened = await scope.openLedger(options);
    return { missing: opened.missing, ledgerPath: opened.ledgerPath, seen: await inspect(opened) };
  });
}

describe('scope.openLedger: a missing ledger', () => {
  it('sandbox and live refuse it with LEDGER_MISSING and create nothing', async () => {
    const path = join(dir, 'missing', 'ledger.sqlite');
    for (const target of ['sandbox', 'live'] as const) {
      await expect(open(target, { path })).rejects.toMatchObject({ code: 'LEDGER_MISSING', exitCode: 1 });
    }
    expect(existsSync(join(dir, 'missing'))).toBe(false);
    expect(stderr).toEqual([]);
  });

  it('--new-ledger creates it on live, and says so in one line', async () => {
    const path = join(dir, 'ledger.sqlite');
    await open('live', { path, newLedger: true });
    expect(existsSync(path)).toBe(true);
    expect(stderr).toEqual([`new ledger: ${path}\n`]);
  });

  it('the simulator creates it and says so in one line; an existing one is not announced', async () => {
    const path = join(dir, 'sim', 'ledger.sqlite');
    await open('simulator', { path });
    expect(existsSync(path)).toBe(true);
    await open('simulator', { path });
    expect(stderr).toEqual([`new ledger: ${path}\n`]);
  });

  it('readOnly (dry run) reads it as empty and never creates it, on any target', async () => {
    const path = join(dir, 'ledger.sqlite');
    for (const target of ['simulator', 'live'] as const) {
      const result = await open(target, { path, readOnly: true }, async ({ ledger }) => (await ledger.listBatches()).length);
      expect(result).toEqual({ missing: true, ledgerPath: path, seen: 0 });
    }
    expect(existsSync(path)).toBe(false);
  });

  it('mustExist refuses it with LEDGER_ERROR even on the simulator', async () => {
    const path = join(dir, 'ledger.sqlite');
    await expect(open('simulator', { path, mustExist: { hint: 'h' } })).rejects.toMatchObject({ code: 'LEDGER_ERROR' });
    expect(existsSync(path)).toBe(false);
  });
});

describe('scope.openLedger: the file itself', () => {
  it('a damaged ledger is LEDGER_ERROR on every target, and stays as it was', async () => {
    const path = join(dir, 'ledger.sqlite');
    const ledger = await openLedger(path);
    const { batch } = await ledger.openBatch(openBatchInput('scope'));
    await ledger.insertRows(batch.id, Array.from({ length: 600 }, (_, i) => queuedRow(i + 2, `OP-SCOPE-${i}`)));
    await ledger.close();
    zeroLeafPage(path);
    for (const target of ['simulator', 'sandbox', 'live'] as const) {
      await expect(open(target, { path, newLedger: true })).rejects.toMatchObject({ code: 'LEDGER_ERROR' });
    }
    expect(stderr).toEqual([]);
  });

  it('fileChange tells when the path was deleted or replaced after the open', async () => {
    const path = join(dir, 'ledger.sqlite');
    const { seen } = await open('simulator', { path }, async (opened) => {
      const before = opened.fileChange();
      rmSync(path);
      const deleted = opened.fileChange();
      await (await openLedger(path)).close(); // another file now at the path
      return [before, deleted, opened.fileChange()];
    });
    expect(seen).toEqual([undefined, 'deleted', 'replaced']);
  });
});
