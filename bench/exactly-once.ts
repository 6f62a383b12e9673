/**
 * The exactly-once check of a batch: the simulator's journal (what was really paid) against the ledger's rows. Every
 * row ends pending / paid / failed; every ledger row that holds a payout points at a journal entry of its amount, and
 * no two rows at the same one; every journal entry is some row's (else it was paid twice, or its row was lost).
 */
export interface JournalEntry {
  provider: string;
  provider_id: string;
  amount_cents: number;
  status: string;
  reference: unknown;
}

export interface LedgerPayoutRow {
  provider: string;
  order_key: string;
  status: string;
  amount_minor: number;
  provider_payout_id: string | null;
}

export interface ExactlyOnce {
  problems: string[];
  paidOrPending: number;
  failed: number;
  /** Journal entries no ledger row holds: paid twice (or lost from the ledger). */
  paidTwice: number;
  /** Rows not settled (queued, sending, unknown, not_sent). */
  lost: number;
}

export function checkExactlyOnce(journal: readonly JournalEntry[], rows: readonly LedgerPayoutRow[], fileRows: number): ExactlyOnce {
  const entries = new Map<string, JournalEntry[]>();
  for (const e of journal) {
    const key = `${e.provider}:${e.provider_id}`;
    entries.set(key, [...(entries.get(key) ?? []), e]);
  }
  const referenced = new Set<string>();
  const problems: string[] = [];
  let paidOrPending = 0;
  for (const r of rows) {
    if (['pending', 'paid', 'failed'].includes(r.status) && r.provider_payout_id) {
      const key = `${r.provider}:${r.provider_payout_id}`;
      if (referenced.has(key)) problems.push(`two ledger rows point at ${key}`);
      referenced.add(key);
      const entry = entries.get(key)?.[0];
      if (!entry && r.status !== 'failed') problems.push(`row ${r.order_key} (${r.status}) points at ${key}, absent from the journal`);
      if (entry && Number(entry.amount_cents) !== Number(r.amount_minor)) problems.push(`row ${r.order_key}: ledger ${r.amount_minor} vs journal ${entry.amount_cents}`);
      if (r.status !== 'failed') paidOrPending++;
    } else if (r.status !== 'failed') {
      problems.push(`row ${r.order_key} ended ${r.status}`);
    }
  }
  if (rows.length !== fileRows) problems.push(`the ledger holds ${rows.length} rows, the file ${fileRows}`);
  const unreferenced = journal.filter((e) => !referenced.has(`${e.provider}:${e.provider_id}`));
  for (const e of unreferenced) problems.push(`paid at ${e.provider} (${e.provider_id}, ${e.amount_cents}) but not in the ledger: a double payment or a lost row`);
  return {
    problems,
    paidOrPending,
    failed: rows.filter((r) => r.status === 'failed').length,
    paidTwice: unreferenced.length,
    lost: rows.filter((r) => !['pending', 'paid', 'failed'].includes(r.status)).length,
  };
}
