import { describe, expect, it } from 'vitest';
import { decideExitCode, type ExitFacts } from './exit-code.ts';

describe('decideExitCode', () => {
  const cases: Array<[string, ExitFacts, number]> = [
    ['nothing in scope', { counts: {} }, 0],
    ['validate: all valid', { counts: { valid: 5 } }, 0],
    ['paid and pending', { counts: { paid: 3, pending: 2 } }, 0],
    ['an invalid row', { counts: { valid: 4, invalid: 1 } }, 2],
    ['a duplicate row', { counts: { paid: 4, duplicate: 1 } }, 2],
    ['a conflict row', { counts: { paid: 4, conflict: 1 } }, 2],
    ['a failed payout', { counts: { paid: 4, failed: 1 } }, 3],
    ['an unknown row', { counts: { paid: 4, unknown: 1 } }, 3],
    ['a row found never sent', { counts: { paid: 4, not_sent: 1 } }, 3],
    ['a row left queued', { counts: { paid: 4, queued: 1 } }, 3],
    ['a row left sending', { counts: { paid: 4, sending: 1 } }, 3],
    ['failed beats invalid', { counts: { invalid: 2, failed: 1 } }, 3],
    ['a batch held by another process', { counts: { paid: 1 }, lockedBatches: 1 }, 3],
    ['reconciliation exceptions', { counts: { paid: 1 }, exceptions: 2 }, 3],
    ['payouts at a provider no row accounts for', { counts: { paid: 1 }, unaccountedPayouts: 1 }, 3],
    ['a provider not compared', { counts: { paid: 1 }, notCompared: 1 }, 3],
    ['an unknown provider status word', { counts: { pending: 1 }, unknownProviderStatuses: 1 }, 3],
    ['--until-final ran out of time', { counts: { pending: 1 }, notFinalInTime: true }, 3],
    ['the ledger file lost mid-run', { counts: { paid: 1 }, ledgerLost: true }, 3],
    ['a write failed once payouts could leave (disk full)', { counts: { paid: 1 }, storageFailed: true }, 3],
    ['zero counts are no attention', { counts: { paid: 1, failed: 0, invalid: 0 }, lockedBatches: 0, exceptions: 0, notCompared: 0 }, 0],
    ['no provider answered', { counts: { unknown: 2 }, nothingDone: true }, 1],
    ['interrupted beats everything', { counts: { failed: 1, invalid: 1 }, nothingDone: true, lockedBatches: 1, interrupted: true }, 130],
  ];
  it.each(cases)('%s', (_name, facts, code) => {
    expect(decideExitCode(facts)).toBe(code);
  });
});
