import { describe, expect, it } from 'vitest';
import { payout, run, SENT_AT } from '../support/scripted-pay-context.ts';

// The retry policy (p-retry) checks the abort signal again after a call returned. A provider answer that arrived as
// the run was being interrupted was thrown away for that check: a payout the provider had just accepted was left
// `unknown` / interrupted without its payout id, and a lookup that had just found the payout left the row unknown.
describe('a provider answer that arrives as the run is interrupted is kept', () => {
  it('an accepted payout is recorded pending with its payout id, not unknown', async () => {
    const { result, log } = await run({ create: [(r) => (r.abort(), payout('pending'))] });
    expect(log.filter((e) => e.startsWith('createPayout'))).toHaveLength(1);
    expect(result).toMatchObject({ state: 'pending', cause: 'provider_accepted', outcome: { to: 'pending', cause: 'provider_accepted', attempt: 1, providerPayoutId: 'po_pending' } });
  });

  it('a refusal answered as the run stops is final, not unknown', async () => {
    const { result } = await run({ create: [(r) => (r.abort(), payout('failed', { failureCode: 'R03' }))] });
    expect(result).toMatchObject({ state: 'failed', cause: 'provider_rejected', errorCode: 'R03' });
  });

  it('a resumed row whose lookup found the payout takes its state, and nothing is sent', async () => {
    const { result, log } = await run({ row: { status: 'sending', attempts: 1, sentAt: SENT_AT }, find: [(r) => (r.abort(), payout('paid'))] });
    expect(log.some((e) => e.startsWith('markSending') || e.startsWith('createPayout'))).toBe(false);
    expect(result).toMatchObject({ state: 'paid', cause: 'lookup', outcome: { to: 'paid', cause: 'lookup', providerPayoutId: 'po_paid' } });
  });
});
