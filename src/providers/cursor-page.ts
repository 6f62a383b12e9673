import { ProviderError } from './provider-error.ts';
import { asRecord, asString } from './http-status-error.ts';

/**
 * One page of a Conekta-platform list (Conekta /transfers, Digital FEMSA /payout_orders — the same platform):
 * `{object:'list', has_more, data:[…], next_page_url}`; the next page is asked for with `?next=<cursor>` (conekta SDK,
 * getTransfers(limit, search, next, previous)).
 */
export interface CursorPage {
  items: unknown[];
  /** The cursor of the next page; undefined on the last one. */
  next: string | undefined;
}

export function readCursorPage(body: unknown, label: string): CursorPage {
  const list = asRecord(body);
  const data = Array.isArray(body) ? body : list?.data;
  if (!Array.isArray(data)) {
    throw new ProviderError({ kind: 'bad_response', message: `${label}: a list without data`, retryable: false, outcomeUnknown: false });
  }
  // A bare array or a page without has_more is the whole list.
  if (!list || list.has_more !== true || data.length === 0) return { items: data, next: undefined };
  return { items: data, next: cursorFromUrl(asString(list.next_page_url)) ?? asString(asRecord(data[data.length - 1])?.id) };
}

/** The `next` parameter of next_page_url (the URL itself names the real host, so it is not followed as is). */
function cursorFromUrl(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url, 'http://x').searchParams.get('next') ?? undefined;
  } catch {
    return undefined;
  }
}

/**
 * Conekta-platform lists are newest first. A lookup may stop once a page that is itself in descending order ends before
 * `cutoff` (unix seconds); a page that is not descending proves nothing about the next one, so paging goes on.
 */
export function pageEndsBefore(createdAts: (number | undefined)[], cutoffSeconds: number): boolean {
  const known = createdAts.filter((t): t is number => t !== undefined);
  if (known.length === 0 || known.length !== createdAts.length) return false;
  for (let i = 1; i < known.length; i += 1) if ((known[i] as number) > (known[i - 1] as number)) return false;
  return (known[known.length - 1] as number) < cutoffSeconds;
}
