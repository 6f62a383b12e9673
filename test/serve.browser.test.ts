import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, startRecordingSimulator, tempDir, type RecordingSimulator } from './support/cli.ts';
import { addUsers, PASSWORD, payoutCsv, startTestServer, type TestServer } from './support/serve.ts';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const underCi = Boolean(process.env.CI);
if (!available && !underCi) process.stderr.write(`serve.browser.test.ts skipped: no ${CHROMIUM} (apt-get install chromium)\n`);

describe.runIf(underCi)('the browser under CI', () => {
  it(`finds chromium at ${CHROMIUM} (the browser test must not pass by skipping)`, () => {
    expect(available).toBe(true);
  });
});

/** Screenshots of each step, for people to look at (git-ignored). */
const SHOTS = join(ROOT, 'test-output', 'serve');

describe.skipIf(!available)('the upload page in a real browser', () => {
  let sim: RecordingSimulator;
  let server: TestServer;
  let context: BrowserContext;
  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    sim = await startRecordingSimulator({ settleMs: 0, faults: 'latency=250..350' });
    server = await startTestServer({ simulatorUrl: sim.url });
    await addUsers(server.ledgerPath, { olga: 'operator', ana: 'approver' });
    context = await chromium.launchPersistentContext(tempDir('chromium-profile-'), {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      viewport: { width: 1280, height: 900 },
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  }, 60_000);
  afterAll(async () => {
    await context?.close();
    await server?.stop();
    await sim?.close();
  });

  async function signInAs(page: Page, name: string) {
    await page.goto(`${server.url}/`);
    await expect.poll(() => page.url()).toContain('/login');
    await page.fill('input[name=username]', name);
    await page.fill('input[name=password]', PASSWORD);
    await page.click('button[type=submit]');
    await page.waitForURL(`${server.url}/`);
  }

  it('log in, upload a file with bad rows, see the bad cells, submit; an approver approves; the bar reaches the end; download the results', async () => {
    const page = await context.newPage();
    const rows = 96;
    const file = join(tempDir('upload-'), 'pagos-octubre.csv');
    writeFileSync(file, payoutCsv('WEB', rows));

    await signInAs(page, 'olga');
    await page.screenshot({ path: join(SHOTS, '1-upload.png'), fullPage: true });
    await page.setInputFiles('input[name=file]', file);
    await page.selectOption('select[name=provider]', 'openpay');
    await page.click('text=Upload and review');
    await page.waitForURL(/\/batches\/b_/);
    const batchUrl = page.url();
    await expect.poll(() => page.textContent('#status')).toBe('review');

    // The bad cells are highlighted with their message, on the row number a spreadsheet shows.
    // First page (rows 2-26): the CLABE of row 3 is the one bad cell.
    expect(await page.locator('td.bad').count()).toBe(1);
    const clabeRow = page.locator('tr', { has: page.locator('td.num', { hasText: /^3$/ }) });
    expect(await clabeRow.locator('td.bad').textContent()).toContain('012');
    expect(await clabeRow.locator('td.bad .cell-msg').textContent()).toContain('check digit');
    await page.screenshot({ path: join(SHOTS, '2-review.png'), fullPage: true });

    // The filter swaps the rows table (htmx) and the URL follows it: the two bad rows, each with its bad cell.
    await page.selectOption('select[name=status]', 'invalid');
    await page.click('.filters button');
    await expect.poll(() => page.locator('#rows tbody tr').count()).toBe(2);
    expect(page.url()).toContain('status=invalid');
    expect(await page.locator('td.bad').count()).toBe(2);
    const amountRow = page.locator('tr', { has: page.locator('td.num', { hasText: new RegExp(`^${rows + 3}$`) }) });
    expect(await amountRow.locator('td.bad').textContent()).toContain('doce pesos');
    await page.screenshot({ path: join(SHOTS, '3-review-invalid.png'), fullPage: true });

    await page.click(`text=Pay the ${rows} valid rows`);
    await expect.poll(() => page.textContent('#status')).toBe('awaiting_approval');
    await page.screenshot({ path: join(SHOTS, '4-awaiting-approval.png'), fullPage: true });
    await page.click('header button');
    await page.waitForURL(/\/login/);

    await signInAs(page, 'ana');
    await page.goto(batchUrl);
    await page.click(`text=Approve paying ${rows} rows`);
    await page.waitForURL(batchUrl);
    await page.waitForSelector('#bar');
    // Live progress from the SSE stream: the bar moves without a reload.
    await expect.poll(async () => Number(await page.textContent('#done')), { timeout: 30_000 }).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, '5-watch.png'), fullPage: true });
    // The top of the page down to the bar, as the README shows it (docs/serve-watch.png).
    await page.screenshot({ path: join(SHOTS, '5-watch-top.png'), fullPage: true, clip: { x: 0, y: 0, width: 1280, height: 1000 } });
    // The page reloads itself when the batch stops paying; the bar is full.
    await expect.poll(() => page.textContent('#status'), { timeout: 30_000 }).toBe('finished');
    await page.waitForSelector('#downloads');
    expect([await page.getAttribute('#bar', 'value'), await page.getAttribute('#bar', 'max')]).toEqual([String(rows), String(rows)]);
    await page.screenshot({ path: join(SHOTS, '6-finished.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#downloads a:has-text("results.csv")')]);
    const saved = join(tempDir('download-'), 'results.csv');
    await download.saveAs(saved);
    const csv = readFileSync(saved, 'utf8');
    expect(csv).toContain('WEB-0001');
    expect(csv.trim().split('\n').length).toBe(rows + 2 + 1);

    await page.goto(`${server.url}/`);
    await page.screenshot({ path: join(SHOTS, '7-batch-list.png'), fullPage: true });
    expect(await page.textContent('table.list')).toContain('finished');
  }, 90_000);
});
