import { describe, expect, it } from 'vitest';
import type { LedgerRow, LedgerStore } from '../ledger/ledger-store.ts';
import type { PayoutProvider, ProviderPayout, ProviderSession } from '../providers/payout-provider.ts';
import { ProviderError } from '../providers/provider-error.ts';
import { compareWithProviders } from './provider-comparison.ts';
import { at, ledgerRow } from './test-support/rows.ts';

// The end-to-end tests run this against the simulator; these pin the paths a healthy simulator never takes.

const session = { provider: 'openpay' } as ProviderSession;
const period = { from: at(0), to: at(3600) };
const paid = (payoutId: string, reference: string, overrides: Partial<ProviderPayout> = {}): ProviderPayout => ({
  payoutId,
  state: 'paid',
  providerStatus: 'completed',
  amountMinor: 100_000,
  currency: 'MXN',
  reference,
  ...overrides,
});

function adapter(list: () => AsyncIterable<ProviderPayout>, get: (id: string) => Promise<ProviderPayout>): PayoutProvider {
  return { listPayouts: list, getPayout: (_s: ProviderSession, id: string) => get(id) } as unknown as PayoutProvider;
}

const ledger = (known: LedgerRow[] = []) => ({ findRowByProviderPayoutId: (_p: string, id: string) => known.find((r) => r.providerPayoutId === id) }) as unknown as LedgerStore;

async function* listed(...payouts: ProviderPayout[]): AsyncIterable<ProviderPayout> {
  yield* payouts;
}

describe('compareWithProviders', () => {
  it('settles nothing, but names a row the ledger holds as unknown when the provider has its order id', async () => {
    const unknown = ledgerRow(1, { status: 'unknown', providerPayoutId: undefined });
    const result = await compareWithProviders({
      ledger: ledger(),
      rows: [unknown],
      providers: ['openpay'],
      sessions: new Map([['openpay', session]]),
      period,
      providerOf: () => adapter(() => listed(paid('tr9', 'OP-1')), () => Promise.reject(new Error('no lookup expected'))),
    });
    expect(result.exceptions.map((e) => [e.type, e.orderId, e.providerPayoutId])).toEqual([['UNSETTLED_IN_LEDGER', 'OP-1', 'tr9']]);
  });

  it('flags a second payout for an order we paid, skips payouts of rows outside the scope and failed strangers', async () => {
    const ours = ledgerRow(1);
    const otherBatch = ledgerRow(2, { batchId: 'b0' });
    const result = await compareWithProviders({
      ledger: ledger([otherBatch]),
      rows: [ours],
      providers: ['openpay'],
      sessions: new Map([['openpay', session]]),
      period,
      providerOf: () => adapter(() => listed(paid('tr1', 'OP-1'), paid('tr1-again', 'OP-1'), paid('tr2', 'OP-2'), paid('gone', 'X', { state: 'failed' })), () => Promise.reject(new Error('unused'))),
    });
    expect(result.exceptions.map((e) => [e.type, e.providerPayoutId])).toEqual([['NOT_IN_LEDGER', 'tr1-again']]);
    expect(result.exceptions[0]!.detail).toMatch(/paid twice/);
  });

  it('says so, and reports nothing, when the listing cannot be read', async () => {
    const result = await compareWithProviders({
      ledger: ledger(),
      rows: [ledgerRow(1)],
      providers: ['openpay'],
      sessions: new Map([['openpay', session]]),
      period,
      providerOf: () =>
        adapter(
          // eslint-disable-next-line require-yield
          async function* () {
            throw new ProviderError({ kind: 'authentication', message: 'bad key', retryable: false, outcomeUnknown: false });
          },
          () => Promise.reject(new Error('unused')),
        ),
    });
    expect(result.exceptions).toEqual([]);
    expect(result.coverage).toEqual([{ provider: 'openpay', compared: false, how: expect.stringMatching(/listing could not be read \(authentication: bad key\)/), howEs: expect.stringMatching(/^no comparado: /) }]);
    expect(result.warnings.join()).toMatch(/does not cover it/);
  });

  it('tells a payout the provider does not know from a lookup that failed', async () => {
    const result = await compareWithProviders({
      ledger: ledger(),
      rows: [ledgerRow(1), ledgerRow(2)],
      providers: ['openpay'],
      sessions: new Map([['openpay', session]]),
      period,
      providerOf: () =>
        adapter(
          () => listed(),
          (id) =>
            Promise.reject(
              id === 'tr1'
                ? new ProviderError({ kind: 'not_found', message: 'no such payout', retryable: false, outcomeUnknown: false })
                : new ProviderError({ kind: 'bad_response', message: 'garbled', retryable: false, outcomeUnknown: false }),
            ),
        ),
    });
    expect(result.exceptions.map((e) => [e.type, e.providerPayoutId])).toEqual([['UNKNOWN_TO_PROVIDER', 'tr1']]);
    expect(result.warnings).toEqual([expect.stringMatching(/openpay: 1 payout lookup\(s\) failed \(bad_response: garbled\)/)]);
  });

  it('counts pending rows the provider has settled in a warning, not as exceptions', async () => {
    const result = await compareWithProviders({
      ledger: ledger(),
      rows: [ledgerRow(1, { status: 'pending' }), ledgerRow(2, { status: 'pending' }), ledgerRow(3, { status: 'pending' })],
      providers: ['openpay'],
      sessions: new Map([['openpay', session]]),
      period,
      providerOf: () => adapter(() => listed(paid('tr1', 'OP-1'), paid('tr2', 'OP-2', { state: 'pending' })), async (id) => paid(id, 'OP-3', { state: 'failed' })),
    });
    expect(result.exceptions).toEqual([]);
    expect(result.warnings).toEqual([expect.stringMatching(/^openpay: 2 row\(s\) the ledger holds as pending are settled at the provider; run payout-batch sync/)]);
  });

  it('marks a provider without a session as not compared', async () => {
    const result = await compareWithProviders({ ledger: ledger(), rows: [], providers: ['conekta'], sessions: new Map(), period });
    expect(result.coverage).toEqual([{ provider: 'conekta', compared: false, how: 'not compared: no conekta credentials or connection for this report', howEs: expect.stringMatching(/^no comparado: /) }]);
  });

  it('finds the same exceptions reading the scope from the ledger as from held rows', async () => {
    const ours = ledgerRow(1);
    const unknown = ledgerRow(2, { status: 'unknown', providerPayoutId: undefined });
    const missing = ledgerRow(3);
    const otherBatch = ledgerRow(4, { batchId: 'b0' });
    const all = [ours, unknown, missing, otherBatch];
    const store = {
      findRowByProviderPayoutId: async (_p: string, id: string) => all.filter((r) => r.providerPayoutId === id).at(-1),
      rowsByOrderKey: async (key: string) => all.filter((r) => r.orderKey === key),
    } as unknown as LedgerStore;
    const inScope = (r: LedgerRow) => r.batchId !== 'b0';
    const run = (rows: readonly LedgerRow[] | { rows: () => AsyncIterable<LedgerRow>; inScope: (r: LedgerRow) => boolean }) =>
      compareWithProviders({
        ledger: store,
        rows,
        providers: ['openpay'],
        sessions: new Map([['openpay', session]]),
        period,
        providerOf: () =>
          adapter(
            () => listed(paid('tr1', 'OP-1'), paid('tr1-again', 'OP-1'), paid('tr9', 'OP-2'), paid('tr4', 'OP-4')),
            (id) => Promise.reject(new ProviderError({ kind: 'not_found', message: `no ${id}`, retryable: false, outcomeUnknown: false })),
          ),
      });
    const held = await run(all.filter(inScope));
    const streamed = await run({
      rows: async function* () {
        yield* all.filter(inScope);
      },
      inScope,
    });
    expect(streamed).toEqual(held);
    expect(held.exceptions.map((e) => [e.type, e.providerPayoutId])).toEqual([
      ['NOT_IN_LEDGER', 'tr1-again'],
      ['UNKNOWN_TO_PROVIDER', 'tr3'],
      ['UNSETTLED_IN_LEDGER', 'tr9'],
    ]);
  });
});
