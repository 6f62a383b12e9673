import type { RowStatus } from '../../domain/row-status.ts';
import { EXIT } from '../../run-error.ts';

/** Rows of the file that will never be paid, with no money moved for them: the file needs fixing (exit 2). */
export const NOT_PAYABLE: readonly RowStatus[] = ['invalid', 'duplicate', 'conflict'];

/**
 * Rows whose money needs a person (exit 3): failed at the provider, outcome unknown, found never sent, or left queued /
 * sending when the command ended (not sent by this run, or held by another process).
 */
export const MONEY_ATTENTION: readonly RowStatus[] = ['failed', 'unknown', 'not_sent', 'queued', 'sending'];

/** What a command found, for the exit code. Every flag is a fact the summary also states. */
export interface ExitFacts {
  /** Rows in scope per status (a missing status counts 0). */
  counts: Readonly<Partial<Record<RowStatus, number>>>;
  /** A signal stopped the command after recording what was in flight. */
  interrupted?: boolean;
  /** The command reached no provider at all (sync: none answered): nothing could be done. */
  nothingDone?: boolean;
  /** Batches in scope another process holds, so their rows could not be settled. */
  lockedBatches?: number;
  /** Reconciliation exceptions (ledger and provider disagree). */
  exceptions?: number;
  /**
   * Payouts at a provider under an order id of the scope that no ledger row accounts for (reported by provider
   * events; report counts them among its exceptions too): money may have left twice.
   */
  unaccountedPayouts?: number;
  /** Providers the reconciliation could not compare with (unreachable, no credentials, no provider state). */
  notCompared?: number;
  /** Provider answers with a status word the adapter does not know (kept not final). */
  unknownProviderStatuses?: number;
  /** --until-final: rows still not final when the time ran out. */
  notFinalInTime?: boolean;
  /** The ledger file was deleted or replaced while the command wrote to it. */
  ledgerLost?: boolean;
  /**
   * Once payouts could leave, a write failed for lack of space or an I/O error: the ledger does not hold every outcome
   * of this run, or its results and reports are not all written.
   */
  storageFailed?: boolean;
}

/**
 * The exit code a scheduler alerts on, the same for validate, run, sync and report. The highest applicable wins:
 * 130 interrupted > 1 nothing could be done > 3 money needs attention > 2 rows not payable > 0.
 * (1 and 64 for a RunError are decided in main.ts; nothingDone is the one fatal verdict reached with a summary.)
 */
export function decideExitCode(facts: ExitFacts): number {
  if (facts.interrupted) return EXIT.INTERRUPTED;
  if (facts.nothingDone) return EXIT.FATAL;
  const count = (statuses: readonly RowStatus[]) => statuses.reduce((n, s) => n + (facts.counts[s] ?? 0), 0);
  const money =
    count(MONEY_ATTENTION) > 0 ||
    (facts.lockedBatches ?? 0) > 0 ||
    (facts.exceptions ?? 0) > 0 ||
    (facts.unaccountedPayouts ?? 0) > 0 ||
    (facts.notCompared ?? 0) > 0 ||
    (facts.unknownProviderStatuses ?? 0) > 0 ||
    facts.notFinalInTime === true ||
    facts.ledgerLost === true ||
    facts.storageFailed === true;
  if (money) return EXIT.MONEY_NEEDS_ATTENTION;
  if (count(NOT_PAYABLE) > 0) return EXIT.ROWS_NEED_ATTENTION;
  return EXIT.OK;
}
