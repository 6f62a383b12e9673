import { addMinor, type Minor } from '../../domain/money.ts';
import type { RowStatus } from '../../domain/row-status.ts';

/** Counts per status and amounts per currency and status, for the summaries. Integer minor units only. */
export class Tally {
  readonly counts = new Map<RowStatus, number>();
  private readonly amounts = new Map<string, { currency: string; status: RowStatus; count: number; amountMinor: Minor }>();

  /** The entry added to last, looked at first: rows of a file mostly share their currency and status. */
  private last: { currency: string; status: RowStatus; count: number; amountMinor: Minor } | undefined;

  add(status: RowStatus, currency: string | undefined, amountMinor: Minor | undefined, delta = 1): void {
    this.counts.set(status, (this.counts.get(status) ?? 0) + delta);
    if (currency === undefined || amountMinor === undefined) return;
    const last = this.last;
    if (last !== undefined && last.currency === currency && last.status === status && last.count + delta !== 0) {
      last.count += delta;
      last.amountMinor = addMinor(last.amountMinor, delta * amountMinor);
      return;
    }
    const key = `${currency}\u0000${status}`;
    const entry = this.amounts.get(key) ?? { currency, status, count: 0, amountMinor: 0 };
    entry.count += delta;
    entry.amountMinor = addMinor(entry.amountMinor, delta * amountMinor);
    if (entry.count === 0) {
      this.amounts.delete(key);
      this.last = undefined;
    } else {
      this.amounts.set(key, entry);
      this.last = entry;
    }
  }

  /** Moves one row from one status to another (e.g. an earlier row that turned out to be a conflict). */
  move(from: RowStatus, to: RowStatus, currency: string | undefined, amountMinor: Minor | undefined): void {
    this.add(from, currency, amountMinor, -1);
    this.add(to, currency, amountMinor, 1);
  }

  count(status: RowStatus): number {
    return this.counts.get(status) ?? 0;
  }

  get total(): number {
    let n = 0;
    for (const v of this.counts.values()) n += v;
    return n;
  }

  countsRecord(): Record<string, number> {
    return Object.fromEntries([...this.counts].filter(([, n]) => n !== 0));
  }

  totals(): Array<{ currency: string; status: RowStatus; count: number; amountMinor: Minor }> {
    return [...this.amounts.values()].sort((a, b) => a.currency.localeCompare(b.currency) || a.status.localeCompare(b.status));
  }
}
