import { describe, expect, it } from 'vitest';
import type { FeeSchedule } from '../config/config-types.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { Batch } from '../ledger/ledger-store.ts';
import { isMovement, movementOf, type Movement } from './movements.ts';
import { FEE_RETURNED_ON_FAILURE, buildStatement, resolveOpenings, type OpeningBalance, type StatementLine, type StatementSection } from './statement.ts';
import { at, historyEntry, ledgerRow } from './test-support/rows.ts';

const OPENPAY_FEES: FeeSchedule = { fixedMinor: 800, percentBps: 0, ivaBps: 1600 };
const ZENRISE_FEES: FeeSchedule = { fixedMinor: 0, percentBps: 50, ivaBps: 2100 };
const FEES = { openpay: OPENPAY_FEES, conekta: OPENPAY_FEES, digitalfemsa: OPENPAY_FEES, zenrise: ZENRISE_FEES } satisfies Record<ProviderId, FeeSchedule>;

function movement(rowId: number, amountMinor: number, debitedAt: Date, returned?: Movement['returned'], overrides: Partial<Movement> = {}): Movement {
  return {
    rowId,
    batchId: 'b1',
    rowNumber: rowId + 1,
    provider: 'openpay',
    currency: 'MXN',
    orderId: `OP-${rowId}`,
    beneficiary: `Payee ${rowId}`,
    amountMinor,
    providerPayoutId: `tr${rowId}`,
    status: returned ? 'failed' : 'paid',
    debitedAt,
    ...(returned ? { returned } : {}),
    ...overrides,
  };
}

const linesOf = async (section: StatementSection): Promise<StatementLine[]> => {
  const lines: StatementLine[] = [];
  for await (const line of section.lines) lines.push(line);
  return lines;
};

const opening = (amountMinor: number): Map<string, OpeningBalance> => new Map([['openpay|MXN', { amountMinor, source: 'provider' as const }]]);

describe('buildStatement', () => {
  it('debits amount + fee + IVA per payout and credits the principal of a failed one at its failure time', async () => {
    const [section] = buildStatement({
      movements: [movement(1, 100_000, at(1)), movement(2, 50_000, at(2), { at: at(30), reason: 'failed' }), movement(3, 25_050, at(3))],
      fees: FEES,
      openings: opening(1_000_000),
    });
    // fee 8.00, IVA 16 % of it = 1.28 on every Openpay payout.
    expect((await linesOf(section!)).map((l) => [l.kind, l.orderId, l.debitMinor, l.creditMinor, l.balanceMinor])).toEqual([
      ['payout', 'OP-1', 100_928, 0, 899_072],
      ['payout', 'OP-2', 50_928, 0, 848_144],
      ['payout', 'OP-3', 25_978, 0, 822_166],
      ['return', 'OP-2', 0, 50_000, 872_166],
    ]);
    expect((await linesOf(section!))[3]).toMatchObject({ description: 'Devolución: pago rechazado', feeMinor: 0, ivaMinor: 0, status: 'failed' });
    expect(section!.totals).toEqual({ payouts: 3, amountMinor: 175_050, feeMinor: 2_400, ivaMinor: 384, debitMinor: 177_834, returns: 1, creditMinor: 50_000 });
    expect(section!.closingMinor).toBe(872_166);
    expect(section!.closingMinor).toBe(1_000_000 - section!.totals.debitMinor + section!.totals.creditMinor);
  });

  it('keeps the fee of a failed payout: the documented policy', () => {
    expect(FEE_RETURNED_ON_FAILURE).toBe(false);
    const [section] = buildStatement({ movements: [movement(1, 100_000, at(1), { at: at(2), reason: 'failed' })], fees: FEES, openings: opening(0) });
    expect(section!.closingMinor).toBe(-928);
  });

  it('puts a payout before its own return when both carry the same instant, and orders by time then row', async () => {
    const [section] = buildStatement({
      movements: [movement(5, 1_000, at(10), { at: at(10), reason: 'expired' }), movement(4, 2_000, at(10))],
      fees: FEES,
      openings: opening(0),
    });
    expect((await linesOf(section!)).map((l) => `${l.kind}:${l.rowId}`)).toEqual(['payout:4', 'payout:5', 'return:5']);
    expect((await linesOf(section!))[2]!.description).toBe('Devolución: retiro OXXO vencido sin cobrar');
  });

  it('makes one section per provider account and currency, in provider order, with each provider\'s words and fees', async () => {
    const sections = buildStatement({
      movements: [
        movement(1, 100_000, at(1), undefined, { provider: 'zenrise', currency: 'ARS' }),
        movement(2, 100_000, at(2), undefined, { provider: 'digitalfemsa' }),
        movement(3, 100_000, at(3)),
      ],
      fees: FEES,
      openings: new Map(),
    });
    expect(sections.map((s) => `${s.provider} ${s.currency}`)).toEqual(['openpay MXN', 'digitalfemsa MXN', 'zenrise ARS']);
    expect((await Promise.all(sections.map(async (s) => (await linesOf(s))[0]!.description)))).toEqual(['Dispersión a cuenta de tercero', 'Retiro en efectivo OXXO', 'Transferencia']);
    // Zenrise: 0.5 % of 1,000.00 = 5.00, IVA 21 % = 1.05.
    expect((await linesOf(sections[2]!))[0]).toMatchObject({ feeMinor: 500, ivaMinor: 105, debitMinor: 100_605 });
    expect(sections.every((s) => s.opening.source === 'none' && s.opening.amountMinor === 0)).toBe(true);
  });

  it('shows an account with a captured balance and no movement at its opening balance', async () => {
    const [section] = buildStatement({ movements: [], fees: FEES, openings: opening(123_456) });
    expect(section).toMatchObject({ lineCount: 0, closingMinor: 123_456, provider: 'openpay', currency: 'MXN' });
    expect((await linesOf(section!))).toEqual([]);
  });

  it('without an opening balance lists movements and totals but no balance, never a negative closing', async () => {
    const none = new Map([['zenrise|ARS', { amountMinor: 0, source: 'none' as const }]]);
    const z = { provider: 'zenrise' as const, currency: 'ARS' as const };
    const [section] = buildStatement({
      movements: [movement(1, 100_000, at(1), undefined, z), movement(2, 40_000, at(2), { at: at(5), reason: 'failed' }, z)],
      fees: FEES,
      openings: none,
    });
    // Zenrise: 0.5 % fee, IVA 21 % of it.
    expect((await linesOf(section!)).map((l) => [l.kind, l.debitMinor, l.creditMinor, l.balanceMinor])).toEqual([
      ['payout', 100_605, 0, undefined],
      ['payout', 40_242, 0, undefined],
      ['return', 0, 40_000, undefined],
    ]);
    expect(section!.closingMinor).toBeUndefined();
    expect(section!.netMinor).toBe(40_000 - 100_605 - 40_242);
    expect(section!.totals).toMatchObject({ payouts: 2, debitMinor: 140_847, returns: 1, creditMinor: 40_000 });
    expect(section!.timeZone).toBe('America/Argentina/Buenos_Aires');
  });

  it('dates each account in its provider\'s zone unless one zone is asked for', () => {
    const openings = new Map([
      ['openpay|MXN', { amountMinor: 0, source: 'operator' as const }],
      ['zenrise|ARS', { amountMinor: 0, source: 'operator' as const }],
    ]);
    const zones = (timeZoneOf?: (p: ProviderId) => string) => buildStatement({ movements: [], fees: FEES, openings, ...(timeZoneOf ? { timeZoneOf } : {}) }).map((s) => s.timeZone);
    expect(zones()).toEqual(['America/Mexico_City', 'America/Argentina/Buenos_Aires']);
    expect(zones(() => 'UTC')).toEqual(['UTC', 'UTC']);
  });
});

describe('resolveOpenings', () => {
  const batch = (id: string, createdSeconds: number, amountMinor?: number): Batch => ({
    id,
    provider: 'openpay',
    environment: 'simulator',
    fileName: `${id}.csv`,
    fileHash: id,
    rowCount: 1,
    status: 'finished',
    openingBalances: amountMinor === undefined ? [] : [{ provider: 'openpay', currency: 'MXN', amountMinor, capturedAt: at(createdSeconds) }],
    createdAt: at(createdSeconds),
    updatedAt: at(createdSeconds + 1),
  });
  const account = [{ provider: 'openpay' as const, currency: 'MXN' as const }];

  it('takes the balance captured by the oldest batch that captured one', () => {
    const openings = resolveOpenings(account, [batch('old', 0), batch('mid', 10, 500_000), batch('new', 20, 400_000)], undefined);
    expect(openings.get('openpay|MXN')).toEqual({ amountMinor: 500_000, source: 'provider', at: at(10), batchId: 'mid' });
  });

  it('lets the operator\'s amount win, and starts at 0 flagged when there is neither', () => {
    expect(resolveOpenings(account, [batch('b', 0, 500_000)], -2_500).get('openpay|MXN')).toEqual({ amountMinor: -2_500, source: 'operator' });
    expect(resolveOpenings(account, [batch('b', 0)], undefined).get('openpay|MXN')).toEqual({ amountMinor: 0, source: 'none' });
  });

  it('takes one amount per provider, and leaves the other providers to their captured balance or none', () => {
    const accounts = [...account, { provider: 'zenrise' as const, currency: 'ARS' as const }, { provider: 'digitalfemsa' as const, currency: 'MXN' as const }];
    const openings = resolveOpenings(accounts, [batch('b', 0, 500_000)], undefined, new Map([['zenrise', 9_900_000]]));
    expect(openings.get('zenrise|ARS')).toEqual({ amountMinor: 9_900_000, source: 'operator' });
    expect(openings.get('openpay|MXN')).toMatchObject({ amountMinor: 500_000, source: 'provider' });
    expect(openings.get('digitalfemsa|MXN')).toEqual({ amountMinor: 0, source: 'none' });
    expect(resolveOpenings(account, [batch('b', 0, 500_000)], undefined, new Map([['openpay', 7]])).get('openpay|MXN')).toEqual({ amountMinor: 7, source: 'operator' });
  });
});

describe('movementOf', () => {
  it('is a movement only once the provider accepted it: a payout id and pending, paid or failed', () => {
    expect(isMovement(ledgerRow(1))).toBe(true);
    expect(isMovement(ledgerRow(1, { status: 'pending' }))).toBe(true);
    expect(isMovement(ledgerRow(1, { status: 'failed', providerPayoutId: undefined }))).toBe(false);
    for (const status of ['unknown', 'sending', 'invalid', 'duplicate', 'conflict', 'not_sent', 'queued'] as const) {
      expect(isMovement(ledgerRow(1, { status })), status).toBe(false);
    }
  });

  it('debits when the payout was first accepted and returns it at the provider\'s time of the failure', () => {
    const row = ledgerRow(7, { status: 'failed', providerStatus: 'expired', provider: 'digitalfemsa' });
    const history = [
      historyEntry(7, 'queued', at(0)),
      historyEntry(7, 'sending', at(1)),
      historyEntry(7, 'pending', at(2)),
      historyEntry(7, 'failed', at(50), { providerEventAt: at(40), providerStatus: 'expired' }),
    ];
    expect(movementOf(row, history)).toMatchObject({ debitedAt: at(2), returned: { at: at(40), reason: 'expired' }, status: 'failed', provider: 'digitalfemsa' });
  });

  it('debits a payout a lookup found already failed when its request left, and never returns before the debit', () => {
    const row = ledgerRow(8, { status: 'failed', providerStatus: 'failed', sentAt: at(1) });
    const lookup = [historyEntry(8, 'unknown', at(1)), historyEntry(8, 'failed', at(9))];
    expect(movementOf(row, lookup)).toMatchObject({ debitedAt: at(1), returned: { at: at(9), reason: 'failed' } });
    expect(movementOf({ ...row, sentAt: undefined }, lookup)).toMatchObject({ debitedAt: at(9), returned: { at: at(9) } });
    // The provider's clock behind ours: the return is moved up to the debit.
    expect(movementOf(row, [historyEntry(8, 'pending', at(5)), historyEntry(8, 'failed', at(9), { providerEventAt: at(3) })])?.returned?.at).toEqual(at(5));
  });

  it('names the beneficiary by name, else by masked account', () => {
    expect(movementOf(ledgerRow(1, { name: undefined }), [])?.beneficiary).toBe('012***********7897');
  });
});
