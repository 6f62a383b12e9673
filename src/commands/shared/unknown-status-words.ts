import type { ProviderId } from '../../domain/provider-id.ts';
import { isKnownProviderStatus } from '../../providers/known-status.ts';

/**
 * Rows whose provider status word no provider doc names: the row stays as the mapper read it (not final), and the
 * command flags it — one warning per provider and word — and counts it as needing attention (exit 3).
 */
export class UnknownStatusWords {
  private readonly seen = new Map<string, { provider: ProviderId; word: string; rows: number }>();

  note(row: { provider: ProviderId; providerStatus?: string | undefined }): void {
    if (isKnownProviderStatus(row.provider, row.providerStatus)) return;
    const key = `${row.provider}\u0000${row.providerStatus}`;
    const entry = this.seen.get(key) ?? { provider: row.provider, word: row.providerStatus!, rows: 0 };
    entry.rows += 1;
    this.seen.set(key, entry);
  }

  /** Rows with an unknown word. */
  get rows(): number {
    let n = 0;
    for (const e of this.seen.values()) n += e.rows;
    return n;
  }

  warnings(): string[] {
    return [...this.seen.values()].map((e) => `${e.provider} answered the status "${e.word}" for ${e.rows} row(s), a word its documentation does not name: kept not final; check those payouts at ${e.provider}`);
  }
}
