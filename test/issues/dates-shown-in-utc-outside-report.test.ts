import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLocal, localDay } from '../../src/domain/local-time.ts';
import { runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

/**
 * Issue 13: only `report` showed dates where the operators live (--tz). validate, run, sync, batches and status printed
 * UTC (`2026-12-02 06:31:16 UTC`, `created (UTC)`), and `batches --since` took UTC days. Each now takes --tz, defaults to
 * the config's "timeZone", else the providers' country, and names the zone beside every date it prints.
 */
const dir = tempDir('issue-13-tz-');
let sim: RecordingSimulator;
beforeAll(async () => {
  sim = await startRecordingSimulator();
});
afterAll(async () => {
  await sim.close();
  rmSync(dir, { recursive: true, force: true });
});

const MX = 'America/Mexico_City';
const AR = 'America/Argentina/Buenos_Aires';

function file(name: string, lines: string[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
const openpayFile = () => file('pagos-mx.csv', ['order_id,clabe,beneficiario,monto', 'TZ-1,012180001183597198,Ana López,10.00']);
const zenriseFile = () => file('pagos-ar.csv', ['provider,order_id,account,name,amount,currency', 'zenrise,TZ-AR-1,0170099220000000678120,Juan Pérez,"1.500,50",ARS']);

/** The "started … finished …" line's two dates, as printed. */
function startedFinished(stdout: string): [string, string] {
  const match = /started (.+?) {2}finished (.+)$/m.exec(stdout);
  expect(match, stdout).not.toBeNull();
  return [match![1]!, match![2]!];
}

describe('every command shows its dates in the operators\' zone, named', { timeout: 120_000 }, () => {
  const ledger = join(dir, 'ledger.sqlite');
  let batchId = '';
  let createdAt: Date;

  it('run: the provider\'s country by default; --tz and the config\'s "timeZone" override it', async () => {
    const json = await runCli(['run', openpayFile(), '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'run-json'), '--format', 'csv', '--json']);
    expect(json.code, json.stderr).toBe(0);
    // JSON keeps UTC instants for programs and names the zone the text shows.
    expect(json.summary).toMatchObject({ time_zone: MX });
    expect(json.summary!.started_at).toMatch(/Z$/);
    batchId = json.summary!.batch_id;

    const text = await runCli(['run', openpayFile(), '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'run-text'), '--format', 'csv']);
    expect(text.code, text.stderr).toBe(0);
    const [started, finished] = startedFinished(text.stdout);
    expect(started).toMatch(new RegExp(`^\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} ${MX}$`));
    expect(finished.endsWith(` ${MX}`)).toBe(true);
    // "already finished at …": the first run's end, in the same zone.
    expect(text.stdout).toMatch(new RegExp(`already finished at \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} ${MX}; 0 sent now`));

    const utc = await runCli(['run', openpayFile(), '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'run-utc'), '--format', 'csv', '--tz', 'UTC']);
    expect(startedFinished(utc.stdout)[0]).toMatch(/ UTC$/);
    const config = file('config.json', [JSON.stringify({ timeZone: AR })]);
    const configured = await runCli(['run', openpayFile(), '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'run-config'), '--format', 'csv', '--config', config]);
    expect(startedFinished(configured.stdout)[0].endsWith(` ${AR}`)).toBe(true);
  });

  it('validate: a Zenrise file is shown in Buenos Aires; --tz UTC shows the stored instant', async () => {
    const ar = await runCli(['validate', zenriseFile(), '--out', join(dir, 'validate-ar')]);
    expect(ar.code, ar.stderr).toBe(0);
    expect(startedFinished(ar.stdout)[0].endsWith(` ${AR}`)).toBe(true);
    const json = await runCli(['validate', zenriseFile(), '--out', join(dir, 'validate-utc'), '--tz', 'UTC', '--json']);
    expect(json.summary).toMatchObject({ time_zone: 'UTC' });
    const bad = await runCli(['validate', zenriseFile(), '--out', join(dir, 'validate-bad'), '--tz', 'Mars/Olympus', '--json']);
    expect(bad.code).toBe(64);
    expect(bad.summary!.error.code).toBe('USAGE');
  });

  it('batches: the created column is local and named; --since is a day in that zone', async () => {
    const json = await runCli(['batches', '--ledger', ledger, '--json']);
    expect(json.summary).toMatchObject({ time_zone: MX });
    createdAt = new Date(json.summary!.batches[0].created_at);
    const text = await runCli(['batches', '--ledger', ledger]);
    expect(text.stdout).toContain(`created (${MX})`);
    expect(text.stdout).toContain(formatLocal(createdAt, MX).slice(0, 16));
    const utc = await runCli(['batches', '--ledger', ledger, '--tz', 'UTC']);
    expect(utc.stdout).toContain('created (UTC)');
    expect(utc.stdout).toContain(formatLocal(createdAt, 'UTC').slice(0, 16));

    const day = localDay(createdAt, MX);
    const next = new Date(Date.parse(`${day}T12:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
    expect((await runCli(['batches', '--ledger', ledger, '--since', day, '--json'])).summary!.batches).toHaveLength(1);
    expect((await runCli(['batches', '--ledger', ledger, '--since', next, '--json'])).summary!.batches).toHaveLength(0);
  });

  it('status: a batch\'s created / updated and a payout\'s history are local and named', async () => {
    const batch = await runCli(['status', batchId, '--ledger', ledger]);
    expect(batch.stdout).toContain(`created ${formatLocal(createdAt, MX)} ${MX}`);
    expect(batch.stdout).toMatch(new RegExp(`updated \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} ${MX}`));
    const payout = await runCli(['status', 'TZ-1', '--ledger', ledger, '--json']);
    expect(payout.summary).toMatchObject({ time_zone: MX });
    const at = new Date(payout.summary!.rows[0].history[0].at);
    const text = await runCli(['status', 'TZ-1', '--ledger', ledger, '--tz', 'UTC']);
    expect(text.stdout).toContain(`${formatLocal(at, 'UTC')} UTC  written → `);
    expect(text.stdout).not.toMatch(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/);
  });

  it('sync: its summary\'s dates are local and named', async () => {
    const text = await runCli(['sync', '--batch', batchId, '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'sync'), '--format', 'csv']);
    expect(text.code, text.stderr).toBe(0);
    expect(startedFinished(text.stdout)[0].endsWith(` ${MX}`)).toBe(true);
    const json = await runCli(['sync', '--batch', batchId, '--simulator-url', sim.url, '--ledger', ledger, '--out', join(dir, 'sync-json'), '--format', 'csv', '--json', '--tz', 'UTC']);
    expect(json.summary).toMatchObject({ time_zone: 'UTC' });
  });
});
