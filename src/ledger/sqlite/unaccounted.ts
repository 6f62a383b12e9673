import type { Currency, ProviderId } from '../../domain/provider-id.ts';
import { assertMinor } from '../../domain/money.ts';
import { LedgerError } from '../ledger-error.ts';
import { ENVIRONMENTS, type Environment, type UnaccountedPayout, type UnaccountedPayoutInput } from '../ledger-store.ts';
import { ensureOpen, write, type SqliteContext } from './context.ts';
import { iso } from './records.ts';

/**
 * Payouts at a provider under one of our order ids that no row holds (a provider event for such a payout, confirmed
 * by fetching it). One entry per environment, provider and payout id; a later sighting refreshes it.
 */
export interface UnaccountedRecord {
  environment: string;
  provider: string;
  provider_payout_id: string;
  reference: string | null;
  row_id: number;
  batch_id: string;
  state: string;
  provider_status: string;
  amount_minor: number;
  currency: string;
  destination: string | null;
  source: string;
  first_seen_at: string;
  last_seen_at: string;
}

export function checkUnaccountedInput(payout: UnaccountedPayoutInput): void {
  if (!(ENVIRONMENTS as readonly string[]).includes(payout.environment)) {
    throw new LedgerError('INVALID_INPUT', `unknown environment ${JSON.stringify(payout.environment)}`, { environment: payout.environment });
  }
  if (typeof payout.providerPayoutId !== 'string' || payout.providerPayoutId.length === 0) {
    throw new LedgerError('INVALID_INPUT', 'providerPayoutId must be a non-empty string', { providerPayoutId: payout.providerPayoutId });
  }
  assertMinor(payout.amountMinor, 'unaccounted payout amount');
}

export function recordUnaccountedPayout(ctx: SqliteContext, payout: UnaccountedPayoutInput): { recorded: boolean } {
  checkUnaccountedInput(payout);
  return write(ctx, () => {
    const at = iso(ctx.now());
    const key = { environment: payout.environment, provider: payout.provider, provider_payout_id: payout.providerPayoutId };
    const existed = ctx.s.getUnaccounted.get(key) !== undefined;
    ctx.s.upsertUnaccounted.run({
      ...key,
      reference: payout.reference ?? null,
      row_id: payout.rowId,
      batch_id: payout.batchId,
      state: payout.state,
      provider_status: payout.providerStatus,
      amount_minor: payout.amountMinor,
      currency: payout.currency,
      destination: payout.destination ?? null,
      source: payout.source,
      at,
    });
    return { recorded: !existed };
  });
}

export function unaccountedPayouts(ctx: SqliteContext, environment: Environment): UnaccountedPayout[] {
  return (ensureOpen(ctx).s.unaccountedOf.all(environment) as UnaccountedRecord[]).map(toUnaccounted);
}

export function toUnaccounted(r: UnaccountedRecord): UnaccountedPayout {
  return {
    environment: r.environment as Environment,
    provider: r.provider as ProviderId,
    providerPayoutId: r.provider_payout_id,
    ...(r.reference !== null ? { reference: r.reference } : {}),
    rowId: Number(r.row_id),
    batchId: r.batch_id,
    state: r.state as UnaccountedPayout['state'],
    providerStatus: r.provider_status,
    amountMinor: Number(r.amount_minor),
    currency: r.currency as Currency,
    ...(r.destination !== null ? { destination: r.destination } : {}),
    source: r.source as UnaccountedPayout['source'],
    firstSeenAt: new Date(r.first_seen_at),
    lastSeenAt: new Date(r.last_seen_at),
  };
}
