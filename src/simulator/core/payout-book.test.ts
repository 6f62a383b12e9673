import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PayoutBook, type DueEvent, type SimPayout } from './payout-book.ts';

const payout = (id: string, amountMinor = 100): SimPayout => ({
  provider: 'openpay',
  id,
  account: 'openpay:m',
  amountMinor,
  currency: 'MXN',
  reference: `ref-${id}`,
  destination: '012298026516924616',
  createdAt: 0,
  updatedAt: 0,
  status: 'in_progress',
  final: false,
  deleted: false,
  source: 'api',
  failsAtSettle: false,
});

describe('PayoutBook', () => {
  it('runs scheduled moments in time order, only once due, skipping final payouts', () => {
    const book = new PayoutBook(1000);
    const seen: string[] = [];
    book.setLifecycle('openpay', { onDue: (p, event: DueEvent) => seen.push(`${p.id}:${event}`) });
    const [a, b, c] = [payout('a'), payout('b'), payout('c')];
    for (const p of [a, b, c]) book.record(p);
    book.schedule(a, 300, 'settle');
    book.schedule(b, 100, 'mid');
    book.schedule(c, 200, 'settle');
    book.schedule(b, 100, 'settle');
    book.finish(c, 'completed', 50, false);
    book.sweep(150);
    expect(seen).toEqual(['b:mid', 'b:settle']);
    book.sweep(1000);
    expect(seen).toEqual(['b:mid', 'b:settle', 'a:settle']);
  });

  it('debits only what the balance covers and gives money back on a refunding finish', () => {
    const book = new PayoutBook(150);
    expect(book.tryDebit('openpay:m', 100)).toBe(true);
    expect(book.tryDebit('openpay:m', 100)).toBe(false);
    expect(book.balance('openpay:m')).toBe(50);
    const p = payout('x');
    book.record(p);
    book.finish(p, 'failed', 10, true);
    expect(book.balance('openpay:m')).toBe(150);
    expect(book.balance('openpay:other')).toBe(150);
  });

  it('appends each movement to the JSONL file as it happens', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'sim-book-')), 'journal.jsonl');
    const book = new PayoutBook(1000, path);
    const p = payout('j1', 250);
    book.record(p);
    const lines = () => readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines()).toEqual([expect.objectContaining({ event: 'created', provider: 'openpay', provider_id: 'j1', reference: 'ref-j1', amount_cents: 250, status: 'in_progress' })]);
    book.finish(p, 'completed', 5, false);
    expect(lines()[1]).toEqual(expect.objectContaining({ event: 'status', provider_id: 'j1', status: 'completed' }));
    book.close();
  });
});
