import { closeSync, openSync, writeSync } from 'node:fs';
import type { Currency, ProviderId } from '../../domain/provider-id.ts';

/**
 * What every simulated payout has, whatever the provider: the fields the journal reports. Provider modules extend
 * it with their own fields and keep the objects; the book holds the same objects, so a mutation through the admin
 * API is seen by the provider's responses.
 */
export interface SimPayout {
  readonly provider: ProviderId;
  readonly id: string;
  /** The balance the money came from, e.g. "openpay:m…" or "conekta:key_…". */
  readonly account: string;
  amountMinor: number;
  readonly currency: Currency;
  /** What the request carried to identify it: order_id, externalReference, metadata value; null if nothing. */
  reference: string | null;
  /** CLABE, CBU, CVU, alias, or the cash-out customer's email. */
  readonly destination: string;
  /** Simulated ms. */
  readonly createdAt: number;
  updatedAt: number;
  /** The provider's own status word. */
  status: string;
  final: boolean;
  deleted: boolean;
  readonly source: 'api' | 'admin';
  /** Drawn at creation (settle_fail) so the outcome does not depend on when it is read. */
  readonly failsAtSettle: boolean;
}

/** A scheduled moment in a payout's life: mid = half-way status (in_transit, InProgress), settle, FEMSA expiry. */
export type DueEvent = 'mid' | 'settle' | 'expire';

export interface PayoutLifecycle {
  /** Called when a scheduled moment arrives; never for a final or deleted payout. */
  onDue(payout: SimPayout, event: DueEvent, now: number): void;
}

export interface JournalEntry {
  provider: ProviderId;
  provider_id: string;
  reference: string | null;
  destination: string;
  amount_cents: number;
  currency: Currency;
  status: string;
  created_at: string;
  source: 'api' | 'admin';
  deleted?: true;
}

interface Due {
  at: number;
  seq: number;
  payout: SimPayout;
  event: DueEvent;
}

/**
 * The simulator's ground truth: balances per provider account, every money movement (in memory and, with a path,
 * appended to a JSONL file before the client can see a response), and the scheduled status changes.
 */
export class PayoutBook {
  private readonly balances = new Map<string, number>();
  private readonly journal: SimPayout[] = [];
  private readonly byKey = new Map<string, SimPayout>();
  private readonly lifecycles = new Map<ProviderId, PayoutLifecycle>();
  private readonly heap: Due[] = [];
  private seq = 0;
  private fd: number | undefined;

  constructor(
    private readonly startingBalance: number,
    journalPath?: string,
  ) {
    if (journalPath !== undefined) this.fd = openSync(journalPath, 'a');
  }

  setLifecycle(provider: ProviderId, lifecycle: PayoutLifecycle): void {
    this.lifecycles.set(provider, lifecycle);
  }

  balance(account: string): number {
    return this.balances.get(account) ?? this.startingBalance;
  }

  allBalances(): Record<string, number> {
    return Object.fromEntries(this.balances);
  }

  /** Takes the amount from the account; false (and nothing taken) when the balance is short. */
  tryDebit(account: string, amount: number): boolean {
    const balance = this.balance(account);
    if (balance < amount) return false;
    this.balances.set(account, balance - amount);
    return true;
  }

  /** Admin-created payouts are taken even if the balance goes negative. */
  forceDebit(account: string, amount: number): void {
    this.balances.set(account, this.balance(account) - amount);
  }

  credit(account: string, amount: number): void {
    this.balances.set(account, this.balance(account) + amount);
  }

  /** Records a payout whose money has already been debited; journaled before this returns. */
  record(payout: SimPayout): void {
    this.journal.push(payout);
    this.byKey.set(`${payout.provider}:${payout.id}`, payout);
    this.append('created', payout);
  }

  schedule(payout: SimPayout, at: number, event: DueEvent): void {
    this.heapPush({ at, seq: this.seq++, payout, event });
  }

  /** Moves a payout to a final status; a failed/expired/cancelled one gives its money back. */
  finish(payout: SimPayout, status: string, now: number, refund: boolean): void {
    payout.status = status;
    payout.final = true;
    payout.updatedAt = now;
    if (refund) this.credit(payout.account, payout.amountMinor);
    this.append('status', payout);
  }

  /** Changes made behind the client's back so far: a listing resumed between two pages must start over after one. */
  mutations = 0;

  /** Journals a change made behind the client's back (admin mutate). */
  noteMutation(payout: SimPayout): void {
    this.mutations += 1;
    this.append(payout.deleted ? 'deleted' : 'mutated', payout);
  }

  find(provider: ProviderId, id: string): SimPayout | undefined {
    return this.byKey.get(`${provider}:${id}`);
  }

  entries(provider?: ProviderId): JournalEntry[] {
    const out: JournalEntry[] = [];
    for (const p of this.journal) if (provider === undefined || p.provider === provider) out.push(journalEntry(p));
    return out;
  }

  /** Runs every scheduled moment up to `now`, in time order. */
  sweep(now: number): void {
    while (this.heap.length > 0 && (this.heap[0] as Due).at <= now) {
      const due = this.heapPop();
      if (due.payout.final || due.payout.deleted) continue;
      this.lifecycles.get(due.payout.provider)?.onDue(due.payout, due.event, Math.max(due.at, 0));
    }
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private append(event: string, payout: SimPayout): void {
    if (this.fd === undefined) return;
    writeSync(this.fd, `${JSON.stringify({ event, ...journalEntry(payout) })}\n`);
  }

  private heapPush(item: Due): void {
    const h = this.heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, h[parent] as Due)) break;
      h[i] = h[parent] as Due;
      i = parent;
    }
    h[i] = item;
  }

  private heapPop(): Due {
    const h = this.heap;
    const top = h[0] as Due;
    const last = h.pop() as Due;
    if (h.length > 0) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        let best = last;
        if (l < h.length && before(h[l] as Due, best)) {
          m = l;
          best = h[l] as Due;
        }
        if (r < h.length && before(h[r] as Due, best)) m = r;
        if (m === i) break;
        h[i] = h[m] as Due;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}

function before(a: Due, b: Due): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}

export function journalEntry(p: SimPayout): JournalEntry {
  const entry: JournalEntry = {
    provider: p.provider,
    provider_id: p.id,
    reference: p.reference,
    destination: p.destination,
    amount_cents: p.amountMinor,
    currency: p.currency,
    status: p.status,
    created_at: new Date(p.createdAt).toISOString(),
    source: p.source,
  };
  if (p.deleted) entry.deleted = true;
  return entry;
}
