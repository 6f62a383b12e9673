import type { Minor } from '../domain/money.ts';
import type { ProviderId } from '../domain/provider-id.ts';
import type { RowStatus } from '../domain/row-status.ts';
import { PAID_TWICE_CODE, type LedgerRow } from '../ledger/ledger-store.ts';
import type { ProviderPayout } from '../providers/payout-provider.ts';
import { workbookWords } from './workbook-language.ts';
import { sameDestination } from '../domain/mask-account.ts';

/**
 * What comparing the ledger with a provider's own view can find. Stable codes: the Exceptions sheet's first
 * column, the Summary counts them with COUNTIFS, and scripts filter on them.
 */
export const EXCEPTION_TYPES = [
  /** The provider has a payout (paid or in progress) that no ledger row knows. */
  'NOT_IN_LEDGER',
  /** A ledger row holds a payout id the provider does not know (lookup: not found). */
  'UNKNOWN_TO_PROVIDER',
  'AMOUNT_MISMATCH',
  'DESTINATION_MISMATCH',
  /** Both sides are final and disagree, or the ledger is final and the provider is not. */
  'STATE_MISMATCH',
  /** The ledger holds the row as unknown / sending, and the provider has a payout for its order id. */
  'UNSETTLED_IN_LEDGER',
  /** Digital FEMSA: the cash-out order was not collected before expires_at; the money went back to the balance. */
  'CASHOUT_EXPIRED',
] as const;
export type ExceptionType = (typeof EXCEPTION_TYPES)[number];

export interface ReconciliationException {
  type: ExceptionType;
  provider: ProviderId;
  orderId?: string;
  providerPayoutId?: string;
  ledgerStatus?: RowStatus;
  providerStatus?: string;
  currency?: string;
  ledgerAmountMinor?: Minor;
  providerAmountMinor?: Minor;
  ledgerDestination?: string;
  providerDestination?: string;
  batchId?: string;
  rowNumber?: number;
  /** What was found, in one sentence. */
  detail: string;
  /** What to do about it, in one short, concrete sentence. */
  action: string;
  /** detail and action in Spanish, for a Spanish workbook (exceptions.csv, for programs, keeps the English). */
  es: { detail: string; action: string };
}

/** The Spanish status names of the sentences below (the workbook's own words). */
const ES = workbookWords('es');

/** A sentence in both languages: [Spanish, English]. */
type Both = readonly [es: string, en: string];

function fromRow(type: ExceptionType, row: LedgerRow, payout: ProviderPayout | undefined, detail: Both, action: Both): ReconciliationException {
  const e: ReconciliationException = { type, provider: row.provider, detail: detail[1], action: action[1], es: { detail: detail[0], action: action[0] }, batchId: row.batchId, rowNumber: row.rowNumber, ledgerStatus: row.status };
  if (row.orderKey !== undefined) e.orderId = row.orderKey;
  const payoutId = payout?.payoutId ?? row.providerPayoutId;
  if (payoutId !== undefined) e.providerPayoutId = payoutId;
  if (payout) e.providerStatus = payout.providerStatus;
  const currency = payout?.currency ?? row.currency;
  if (currency !== undefined) e.currency = currency;
  if (row.amountMinor !== undefined) e.ledgerAmountMinor = row.amountMinor;
  if (payout) e.providerAmountMinor = payout.amountMinor;
  if (row.accountMasked !== undefined) e.ledgerDestination = row.accountMasked;
  if (payout?.destination !== undefined) e.providerDestination = payout.destination;
  return e;
}

/** A ledger row against the provider's view of the same payout (matched by payout id). */
export function compareRowWithPayout(row: LedgerRow, payout: ProviderPayout): ReconciliationException[] {
  const found: ReconciliationException[] = [];
  if (row.amountMinor !== undefined && payout.amountMinor !== row.amountMinor) {
    found.push(
      fromRow('AMOUNT_MISMATCH', row, payout, ['El proveedor muestra un importe distinto del que envió el libro.', 'The provider shows a different amount than the ledger sent.'], ['Pregunte al proveedor qué importe se movió; corrija el saldo del beneficiario por la diferencia.', 'Ask the provider which amount moved; correct the beneficiary\'s balance by the difference.']),
    );
  }
  if (row.accountMasked !== undefined && payout.destination !== undefined && !sameDestination(row.accountMasked, payout.destination)) {
    found.push(
      fromRow('DESTINATION_MISMATCH', row, payout, ['El proveedor pagó a un destino distinto del que envió el libro.', 'The provider paid a different destination than the ledger sent.'], ['Deje de pagar a este beneficiario y pida al proveedor que rastree el pago; recupérelo si llegó a la cuenta equivocada.', 'Stop paying this beneficiary and ask the provider to trace the payout; recover it if it reached the wrong account.']),
    );
  }
  const state = stateException(row, payout);
  if (state) found.push(state);
  if (payout.expired) {
    found.push(
      fromRow('CASHOUT_EXPIRED', row, payout, ['La orden de retiro en OXXO venció sin cobrarse; el dinero volvió al saldo.', 'The OXXO cash-out order expired uncollected; the money is back in the balance.'], ['Avise al beneficiario y, si aún se le debe, pague de nuevo con otro order_id.', 'Tell the beneficiary and, if still owed, pay again with a new order_id.']),
    );
  }
  return found;
}

function stateException(row: LedgerRow, payout: ProviderPayout): ReconciliationException | undefined {
  const ledger = row.status;
  const provider = payout.state;
  if (ledger === provider) return undefined;
  // Pending here, settled there: the ledger is only behind, which sync fixes; counted in the warnings
  // (ledgerIsBehind), not an exception for a person to act on.
  if (ledger === 'pending') return undefined;
  if (ledger === 'paid' && provider === 'failed') {
    return fromRow('STATE_MISMATCH', row, payout, ['El libro tiene el pago como pagado; el proveedor lo muestra fallido o devuelto.', 'The ledger holds the payout as paid; the provider shows it failed or returned.'], ['Ejecute payout-batch sync para registrar la devolución y luego decida si pagar de nuevo.', 'Run payout-batch sync to record the return, then decide whether to pay again.']);
  }
  if (ledger === 'failed' && provider === 'paid' && row.errorCode === PAID_TWICE_CODE) {
    // A return the provider reversed after another row paid the order id again (sync flagged it): two payouts of one order.
    return fromRow(
      'STATE_MISMATCH',
      row,
      payout,
      ['El proveedor volvió a mostrar pagado este pago devuelto, y otra fila pagó la misma orden después de la devolución: la orden se pagó dos veces.', 'The provider shows this returned payout paid again, and another row paid the same order id after the return: the order id was paid twice.'],
      ['Pida al proveedor recuperar uno de los dos pagos; no pague esta orden otra vez.', 'Ask the provider to recover one of the two payouts; do not pay this order id again.'],
    );
  }
  if (ledger === 'failed' && provider === 'paid') {
    return fromRow('STATE_MISMATCH', row, payout, ['El libro tiene el pago como fallido; el proveedor lo muestra pagado.', 'The ledger holds the payout as failed; the provider shows it paid.'], ['No vuelva a pagar esta fila; pida al proveedor que confirme el pago y corrija el libro.', 'Do not pay this row again; ask the provider to confirm the payout and correct the ledger.']);
  }
  if ((ledger === 'paid' || ledger === 'failed') && provider === 'pending') {
    return fromRow('STATE_MISMATCH', row, payout, [`El libro tiene el pago como ${ES.statusName(ledger)}; el proveedor aún lo muestra en curso.`, `The ledger holds the payout as ${ledger}; the provider still shows it in progress.`], ['Pida al proveedor el estado final del pago antes de cerrar el lote.', 'Ask the provider for the payout\'s final state before closing the batch.']);
  }
  // unknown / sending with a payout id: the outcome was never recorded.
  return fromRow('UNSETTLED_IN_LEDGER', row, payout, [`El libro tiene la fila como ${ES.statusName(ledger)}; el proveedor muestra el pago como ${ES.statusName(provider)}.`, `The ledger holds the row as ${ledger}; the provider shows the payout as ${provider}.`], ['Ejecute payout-batch sync para registrar el resultado; no lo reenvíe.', 'Run payout-batch sync to record the outcome; do not resend.']);
}

/** The provider settled a payout the ledger still holds as pending: sync has not recorded it yet. */
export function ledgerIsBehind(row: LedgerRow, payout: ProviderPayout): boolean {
  return row.status === 'pending' && payout.state !== 'pending';
}

/** A ledger row whose payout id the provider does not know. */
export function rowUnknownToProvider(row: LedgerRow): ReconciliationException {
  return fromRow(
    'UNKNOWN_TO_PROVIDER',
    row,
    undefined,
    ['El libro tiene un ID de pago que el proveedor no conoce (consulta: no encontrado).', 'The ledger holds a payout id the provider does not know (lookup: not found).'],
    ['Pregunte al proveedor si el pago se revirtió o se borró antes de pagar de nuevo; deje la fila en espera.', 'Ask the provider whether the payout was reversed or deleted before paying again; keep the row on hold.'],
  );
}

/** A row the ledger holds as unknown / sending (no payout id) that the provider has a payout for. */
export function rowUnsettled(row: LedgerRow, payout: ProviderPayout): ReconciliationException {
  return fromRow(
    'UNSETTLED_IN_LEDGER',
    row,
    payout,
    [`El libro tiene la fila como ${ES.statusName(row.status)}; el proveedor tiene el pago ${payout.payoutId} (${ES.statusName(payout.state)}) para su order id.`, `The ledger holds the row as ${row.status}; the provider has payout ${payout.payoutId} (${payout.state}) for its order id.`],
    ['Ejecute payout-batch sync para registrar el resultado; no lo reenvíe.', 'Run payout-batch sync to record the outcome; do not resend.'],
  );
}

/** A payout at the provider that no ledger row knows. `sameOrder` is a ledger row with the same order id, if any. */
export function payoutNotInLedger(provider: ProviderId, payout: ProviderPayout, sameOrder?: LedgerRow): ReconciliationException {
  const e: ReconciliationException = {
    type: 'NOT_IN_LEDGER',
    provider,
    providerPayoutId: payout.payoutId,
    providerStatus: payout.providerStatus,
    currency: payout.currency,
    providerAmountMinor: payout.amountMinor,
    detail: sameOrder
      ? `The provider has a second payout for order ${sameOrder.orderKey ?? ''} (the ledger's is ${sameOrder.providerPayoutId ?? 'unrecorded'}): the beneficiary may have been paid twice.`
      : `The provider shows a ${payout.state} payout that no ledger row made.`,
    action: sameOrder
      ? 'Ask the provider to cancel or recover the second payout; do not pay this order again.'
      : 'Find who made this payout (dashboard, another tool); recover it if nobody authorised it.',
    es: {
      detail: sameOrder
        ? `El proveedor tiene un segundo pago para la orden ${sameOrder.orderKey ?? ''} (el del libro es ${sameOrder.providerPayoutId ?? 'no registrado'}): el beneficiario puede haber cobrado dos veces.`
        : `El proveedor muestra un pago (${ES.statusName(payout.state)}) que ninguna fila del libro hizo.`,
      action: sameOrder
        ? 'Pida al proveedor que cancele o recupere el segundo pago; no vuelva a pagar esta orden.'
        : 'Averigüe quién hizo este pago (panel, otra herramienta); recupérelo si nadie lo autorizó.',
    },
  };
  if (payout.reference !== undefined) e.orderId = payout.reference;
  if (payout.destination !== undefined) e.providerDestination = payout.destination;
  if (sameOrder) {
    e.batchId = sameOrder.batchId;
    e.rowNumber = sameOrder.rowNumber;
    e.ledgerStatus = sameOrder.status;
    if (sameOrder.amountMinor !== undefined) e.ledgerAmountMinor = sameOrder.amountMinor;
    if (sameOrder.accountMasked !== undefined) e.ledgerDestination = sameOrder.accountMasked;
  }
  return e;
}

/** The reports and the provider-side guard compare destinations the same way (domain/mask-account.ts). */
export { sameDestination };
