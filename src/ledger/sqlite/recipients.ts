import type { ProviderId } from '../../domain/provider-id.ts';
import { ensureOpen, type SqliteContext } from './context.ts';
import { iso } from './records.ts';

/** Provider-side recipients (a Conekta payee, a Digital FEMSA customer, …) by destination, created once. */
export function getRecipient(ctx: SqliteContext, provider: ProviderId, recipientKey: string): string | undefined {
  const r = ensureOpen(ctx).s.getRecipient.get(provider, recipientKey) as { recipient_id: string } | undefined;
  return r?.recipient_id;
}

export function saveRecipient(ctx: SqliteContext, provider: ProviderId, recipientKey: string, recipientId: string): void {
  ensureOpen(ctx).s.saveRecipient.run({ provider, recipient_key: recipientKey, recipient_id: recipientId, at: iso(ctx.now()) });
}
