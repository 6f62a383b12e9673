import { describe, expect, it } from 'vitest';
import { pageEndsBefore, readCursorPage } from './cursor-page.ts';

describe('readCursorPage', () => {
  it('takes the next cursor from next_page_url', () => {
    const body = { object: 'list', has_more: true, next_page_url: 'https://api.conekta.io/transfers?limit=2&next=tr_b', data: [{ id: 'tr_a' }, { id: 'tr_b' }] };
    expect(readCursorPage(body, 'x')).toEqual({ items: body.data, next: 'tr_b' });
  });

  it('falls back to the last id when has_more comes without a URL', () => {
    expect(readCursorPage({ has_more: true, data: [{ id: 'a' }, { id: 'z' }] }, 'x').next).toBe('z');
  });

  it('the last page has no cursor; a bare array is the whole list', () => {
    expect(readCursorPage({ has_more: false, next_page_url: null, data: [{ id: 'a' }] }, 'x').next).toBeUndefined();
    expect(readCursorPage([{ id: 'a' }], 'x')).toEqual({ items: [{ id: 'a' }], next: undefined });
  });

  it('refuses a body without data', () => {
    expect(() => readCursorPage({ object: 'list' }, 'x')).toThrow(expect.objectContaining({ kind: 'bad_response' }));
  });
});

describe('pageEndsBefore', () => {
  it('stops on a newest-first page that ends before the cutoff', () => {
    expect(pageEndsBefore([300, 200, 99], 100)).toBe(true);
    expect(pageEndsBefore([300, 200, 100], 100)).toBe(false);
  });

  it('never stops on a page that is not newest first, or has undated items, or is empty', () => {
    expect(pageEndsBefore([10, 20, 30], 100)).toBe(false);
    expect(pageEndsBefore([30, undefined, 10], 100)).toBe(false);
    expect(pageEndsBefore([], 100)).toBe(false);
  });
});
