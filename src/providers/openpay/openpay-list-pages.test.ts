import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeHttpAgent } from '../http-client.ts';
import { testSession } from '../test-support/session.ts';
import { SIMULATOR_CREDENTIALS } from '../test-support/simulator.ts';
import { OPENPAY_PAGE_SIZE, openpayProvider as openpay } from './openpay-api.ts';

/** Payouts newest first, as Openpay lists them; `shiftAt` payouts made during the listing push the rest down. */
const TOTAL = 3 * OPENPAY_PAGE_SIZE + 40;
let mode: 'shift' | 'ignore-offset' = 'shift';
const item = (n: number) => ({ id: `tr${n}`, status: 'completed', amount: '10.00', currency: 'MXN', order_id: `OP-${n}`, creation_date: '2026-03-02T10:00:00-06:00' });

let server: Server;
let url = '';
beforeAll(async () => {
  server = createServer((req, res) => {
    const query = new URL(req.url ?? '/', 'http://x').searchParams;
    const offset = Number(query.get('offset') ?? 0);
    const limit = Number(query.get('limit') ?? 10);
    // After the first page, 7 payouts were made: every later page starts 7 items earlier in the old order.
    const all = Array.from({ length: TOTAL }, (_, i) => item(TOTAL - i));
    const made = mode === 'shift' && offset > 0 ? Array.from({ length: 7 }, (_, i) => item(TOTAL + 7 - i)) : [];
    const list = [...made, ...all];
    const page = mode === 'ignore-offset' ? list.slice(0, limit) : list.slice(offset, offset + limit);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(page));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});
afterAll(async () => {
  await closeHttpAgent();
  await new Promise((resolve) => server.close(resolve));
});

const listAll = async () => {
  const ids: string[] = [];
  for await (const payout of openpay.listPayouts(testSession('openpay', url, SIMULATOR_CREDENTIALS), { from: new Date('2026-03-01T00:00:00Z'), to: new Date('2026-03-04T00:00:00Z') })) ids.push(payout.payoutId);
  return ids;
};

describe('openpay payout listing pages', () => {
  it('shows each payout once when payouts made during the listing push the rest onto the next page', async () => {
    mode = 'shift';
    const ids = await listAll();
    expect(new Set(ids).size).toBe(ids.length);
    for (let n = 1; n <= TOTAL; n++) expect(ids).toContain(`tr${n}`);
  });

  it('stops at a page with nothing new, from a server that ignores the offset', async () => {
    mode = 'ignore-offset';
    const ids = await listAll();
    expect(ids).toHaveLength(OPENPAY_PAGE_SIZE);
  });
});
