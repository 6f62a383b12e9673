import ExcelJS from 'exceljs';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';
import { addUsers, payoutCsv, signIn, startTestServer, waitFor, type Client, type TestServer } from './support/serve.ts';

/** The files of a batch as the page and the API hand them out, read back as a person's spreadsheet would. */
let sim: RecordingSimulator;
let server: TestServer;
let ana: Client;
let id: string;
const dir = tempDir('serve-downloads-');

async function download(client: Client, name: string): Promise<{ status: number; type: string | null; body: Buffer }> {
  const res = await fetch(`${server.url}/api/batches/${id}/files/${name}`, { headers: { authorization: `Bearer ${client.token}` } });
  return { status: res.status, type: res.headers.get('content-type'), body: Buffer.from(await res.arrayBuffer()) };
}

async function sheets(body: Buffer): Promise<Map<string, unknown[][]>> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ArrayBuffer);
  const out = new Map<string, unknown[][]>();
  wb.eachSheet((ws) => {
    const rows: unknown[][] = [];
    ws.eachRow((row) => rows.push((row.values as unknown[]).slice(1).map((v) => (v && typeof v === 'object' && 'result' in v ? (v as { result: unknown }).result : v))));
    out.set(ws.name, rows);
  });
  return out;
}

beforeAll(async () => {
  sim = await startRecordingSimulator({ settleMs: 0 });
  server = await startTestServer({ simulatorUrl: sim.url, dir });
  await addUsers(server.ledgerPath, { olga: 'operator', ana: 'approver' });
  const olga = await signIn(server.url, 'olga');
  ana = await signIn(server.url, 'ana');
  // A third bad row: an order_id a spreadsheet would run as a formula.
  const csv = `${payoutCsv('DL')}=1+2,012180001183597198,Formula,diez,MXN,Pago\n`;
  const up = await olga.upload(csv);
  expect(up.status, JSON.stringify(up.body)).toBe(201);
  id = up.body.id;
});
afterAll(async () => {
  await server?.stop();
  await sim?.close();
});

describe('the error report of a review', () => {
  it('errors.csv: one line per issue of a row with problems (row, column, code, message, the value with an account masked), formulas escaped', async () => {
    const res = await download(ana, 'errors.csv');
    expect(res.status).toBe(200);
    expect(res.type).toContain('text/csv');
    const records = parse(res.body, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(records[0]!)).toEqual(['row', 'order_id', 'status', 'column', 'code', 'severity', 'message', 'value']);
    const clabe = records.find((r) => r.code === 'CLABE_CHECKSUM')!;
    expect(clabe).toMatchObject({ row: '3', order_id: 'DL-BAD1', status: 'invalid', column: 'clabe' });
    // The account is masked: bank code and last 4, never the 18 digits.
    expect(clabe.value).not.toContain('012180001183597199');
    expect(clabe.value).toMatch(/7199$/);
    expect(clabe.message?.length).toBeGreaterThan(0);
    const amount = records.find((r) => r.row === '6')!;
    expect(amount).toMatchObject({ order_id: 'DL-BAD2', column: 'monto', value: 'doce pesos' });
    expect(amount.code).toMatch(/^AMOUNT_/);
    expect(records.filter((r) => r.order_id?.startsWith('DL-0'))).toEqual([]);
    const formula = records.find((r) => r.row === '7');
    expect(formula?.order_id).toBe("'=1+2");
  });

  it('errors.xlsx: the same records as errors.csv, on one sheet with its header', async () => {
    const csv = parse((await download(ana, 'errors.csv')).body, { columns: false }) as string[][];
    const res = await download(ana, 'errors.xlsx');
    expect(res.status).toBe(200);
    expect(res.type).toContain('spreadsheetml');
    const book = await sheets(res.body);
    expect([...book.keys()]).toEqual(['Errors']);
    const rows = book.get('Errors')!.map((r) => Array.from({ length: 8 }, (_, i) => (r[i] === undefined || r[i] === null ? '' : String(r[i]))));
    expect(rows).toEqual(csv);
  });
});

describe('the files of a paid batch', () => {
  beforeAll(async () => {
    const olga = await signIn(server.url, 'olga');
    const b = (await olga.call('GET', `/api/batches/${id}`)).body;
    await olga.call('POST', `/api/batches/${id}/submit`);
    expect((await ana.call('POST', `/api/batches/${id}/approve`, { plan_hash: b.plan_hash })).status).toBe(200);
    await waitFor(() => ana.call('GET', `/api/batches/${id}`), (r) => r.body.status === 'finished');
  });

  it('results.csv and results.xlsx: every row with its final status; the paid ones with the provider payout id', async () => {
    const csv = parse((await download(ana, 'results.csv')).body, { columns: true }) as Array<Record<string, string>>;
    const byOrder = new Map(csv.map((r) => [r.order_id, r]));
    for (const o of ['DL-0001', 'DL-0002', 'DL-0003']) expect(byOrder.get(o)?.status, o).toMatch(/^(paid|pending)$/);
    const journal = (await sim.journal()).filter((e) => String(e.reference).startsWith('DL-'));
    expect(journal.map((e) => String(e.reference)).sort()).toEqual(['DL-0001', 'DL-0002', 'DL-0003']);
    const xlsx = await sheets((await download(ana, 'results.xlsx')).body);
    const [first] = [...xlsx.values()];
    const header = first![0]!.map(String);
    // The workbooks are in Spanish by default (the CSV columns stay snake_case English for programs).
    const orderCol = header.indexOf('ID de orden');
    expect(orderCol).toBeGreaterThanOrEqual(0);
    expect(first!.slice(1).map((r) => String(r[orderCol])).filter((o) => o.startsWith('DL-0')).sort()).toEqual(['DL-0001', 'DL-0002', 'DL-0003']);
  });

  it('statement.xlsx and reconciliation.xlsx: the paid rows and their total', async () => {
    const statement = await sheets((await download(ana, 'statement.xlsx')).body);
    const text = JSON.stringify([...statement.values()]);
    for (const o of ['DL-0001', 'DL-0002', 'DL-0003']) expect(text).toContain(o);
    expect(text).not.toContain('DL-BAD1');
    const recon = await sheets((await download(ana, 'reconciliation.xlsx')).body);
    expect([...recon.keys()]).toContain('Resumen');
    expect(JSON.stringify([...recon.values()])).toContain('DL-0001');
  });

  it('are written again from the ledger where this server has none (another server paid the batch)', async () => {
    const before = await download(ana, 'statement.xlsx');
    rmSync(join(server.dataDir, 'batches'), { recursive: true, force: true });
    const page = await fetch(`${server.url}/batches/${id}`, { headers: { authorization: `Bearer ${ana.token}` } });
    expect(await page.text()).toContain(`/api/batches/${id}/files/reconciliation.xlsx`);
    const again = await download(ana, 'statement.xlsx');
    expect(again.status).toBe(200);
    const [a, b] = [await sheets(before.body), await sheets(again.body)];
    expect([...b.keys()]).toEqual([...a.keys()]);
    expect(JSON.stringify([...b.values()])).toContain('DL-0002');
    expect((await download(ana, 'results.csv')).body.toString()).toContain('DL-0003');
  });

  it('refuses other names, never reading a path from them', async () => {
    expect((await download(ana, '..%2Fledger.sqlite')).status).toBe(404);
    expect((await download(ana, 'exceptions.csv')).status).toBe(404);
  });
});
