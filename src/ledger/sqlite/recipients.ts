import type { ProviderId } from '../../domain/provider-id.ts';
import { LedgerError } from '../ledger-error.ts';
import { ENVIRONMENTS, type LedgerScope, type RecipientSave } from '../ledger-store.ts';
import { ensureOpen, write, type SqliteContext } from './context.ts';
import { iso } from './records.ts';

/**
 * Provider-side recipients (a Conekta payee, a Digital FEMSA customer, …) by destination, created once per environment
 * and provider account: a payee made on the simulator, or under another merchant, does not exist on live.
 */
export function getRecipient(ctx: SqliteContext, scope: LedgerScope, provider: ProviderId, recipientKey: string): string | undefined {
  const r = ensureOpen(ctx).s.getRecipient.get({ ...scopeParams(scope), provider, recipient_key: recipientKey }) as { recipient_id: string } | undefined;
  return r?.recipient_id;
}

export function saveRecipient(ctx: SqliteContext, scope: LedgerScope, provider: ProviderId, recipientKey: string, recipientId: string): void {
  ensureOpen(ctx).s.saveRecipient.run({ ...scopeParams(scope), provider, recipient_key: recipientKey, recipient_id: recipientId, at: iso(ctx.now()) });
}

/** Many saves, one transaction: one fsync instead of one per recipient. */
export function saveRecipients(ctx: SqliteContext, items: readonly RecipientSave[]): void {
  if (items.length === 0) return;
  write(ctx, () => {
    for (const item of items) saveRecipient(ctx, item.scope, item.provider, item.recipientKey, item.recipientId);
  });
}

function scopeParams(scope: LedgerScope): { environment: string; account: string } {
  if (!(ENVIRONMENTS as readonly string[]).includes(scope.environment)) {
    throw new LedgerError('INVALID_INPUT', `unknown environment ${JSON.stringify(scope.environment)}`, { environment: scope.environment });
  }
  if (typeof scope.account !== 'string' || scope.account.length === 0) {
    throw new LedgerError('INVALID_INPUT', 'account must be a non-empty string', { account: scope.account });
  }
  return { environment: scope.environment, account: scope.account };
}
