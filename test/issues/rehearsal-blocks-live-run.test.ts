import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it } from 'vitest';
import { SIMULATOR_CREDENTIALS } from '../../src/simulator/credentials.ts';
import { ROOT, runCli, startRecordingSimulator, tempDir, type RecordingSimulator } from '../support/cli.ts';

/**
 * A rehearsal made the live run pay nothing: the simulator run and the live run of the same file shared one batch
 * identity and one key space in a shared --ledger, so the live run resumed the rehearsal's batch, found its rows
 * pending and printed `pending 4`, exit 2 — while the live provider's journal was empty. Environments never mix now:
 * the same file on another target is another batch, and a key owned on one target does not block another.
 * Checked against the journals of two simulators (one stands for live, reached through a loopback base URL).
 */
let sims: RecordingSimulator[] = [];
afterEach(async () => {
  await Promise.all(sims.map((s) => s.close()));
  sims = [];
});

const SAMPLES = [
  // Openpay: no recipient step. Conekta: a payee per CLABE, made once per environment (a simulator payee id means
  // nothing on live).
  { provider: 'openpay', file: 'samples/openpay-payouts.csv', payable: 4 },
  { provider: 'conekta', file: 'samples/conekta-payouts.xlsx', payable: 3 },
] as const;

function results(out: string): Array<Record<string, string>> {
  return parse(readFileSync(join(out, 'results.csv')), { bom: true, columns: true }) as Array<Record<string, string>>;
}

async function setup() {
  const rehearsal = await startRecordingSimulator();
  const live = await startRecordingSimulator();
  sims.push(rehearsal, live);
  const dir = tempDir();
  const ledger = join(dir, 'shared-ledger.sqlite');
  const config = join(dir, 'config.json');
  writeFileSync(config, JSON.stringify({ providers: { openpay: { baseUrl: { live: `${live.url}/openpay` } }, conekta: { baseUrl: { live: `${live.url}/conekta` } } } }));
  const env = {
    OPENPAY_MERCHANT_ID: SIMULATOR_CREDENTIALS.openpay.merchantId,
    OPENPAY_PRIVATE_KEY: SIMULATOR_CREDENTIALS.openpay.privateKey,
    CONEKTA_PRIVATE_KEY: SIMULATOR_CREDENTIALS.conekta.privateKey,
    XDG_CONFIG_HOME: join(dir, 'xdg'),
  };
  let n = 0;
  const common = (file: string, provider: string) => ['run', join(ROOT, file), '--provider', provider, '--ledger', ledger, '--format', 'csv', '--json', '--out', join(dir, `out-${(n += 1)}`)];
  return {
    rehearsal,
    live,
    onSimulator: (file: string, provider: string) => runCli([...common(file, provider), '--simulator-url', rehearsal.url], { env }),
    onLive: (file: string, provider: string, extra: string[] = []) => runCli([...common(file, provider), '--target', 'live', '--yes', '--config', config, ...extra], { env }),
  };
}

const journalOf = async (sim: RecordingSimulator, provider: string) => (await sim.journal()).filter((e) => e.provider === provider);

describe('a rehearsal on the simulator and the live run share a --ledger', () => {
  it.each(SAMPLES)('$provider: simulator first, then live: every valid row is paid on live, exactly once', async ({ provider, file, payable }) => {
    const s = await setup();
    const rehearsed = await s.onSimulator(file, provider);
    expect(rehearsed.code).toBe(2); // the samples carry deliberately bad rows
    expect(await journalOf(s.rehearsal, provider)).toHaveLength(payable);

    const live = await s.onLive(file, provider);
    expect(live.code).toBe(2);
    expect(live.summary!.batch_id).not.toBe(rehearsed.summary!.batch_id);
    const liveJournal = await journalOf(s.live, provider);
    expect(liveJournal).toHaveLength(payable);
    // Exactly once: one payout per order_id on live.
    expect(new Set(liveJournal.map((e) => JSON.stringify(e.reference))).size).toBe(payable);
    const rows = results(live.summary!.out_dir);
    expect(rows.filter((r) => r.status === 'pending' || r.status === 'paid')).toHaveLength(payable);
    // The live verdicts are the file's own (its in-file duplicates and bad rows), none of them "already in the rehearsal".
    const verdicts = (out: string) => results(out).map((r) => [r.row, r.status === 'paid' ? 'pending' : r.status, r.error_code]);
    expect(verdicts(live.summary!.out_dir)).toEqual(verdicts(rehearsed.summary!.out_dir));
    for (const r of rows) expect(r.error_message ?? '').not.toContain(rehearsed.summary!.batch_id);
    // The rehearsal simulator saw nothing more.
    expect(await journalOf(s.rehearsal, provider)).toHaveLength(payable);

    // Running the live batch again resumes it: nothing more is sent anywhere.
    const again = await s.onLive(file, provider);
    expect(again.summary!.batch_id).toBe(live.summary!.batch_id);
    expect(await journalOf(s.live, provider)).toHaveLength(payable);
    expect(s.live.moneyMoving()).toBe(payable);
  });

  it.each(SAMPLES)('$provider: live first, then the simulator: the rehearsal pays on the simulator, the live journal is unchanged', async ({ provider, file, payable }) => {
    const s = await setup();
    const live = await s.onLive(file, provider, ['--new-ledger']);
    expect(live.code).toBe(2);
    expect(await journalOf(s.live, provider)).toHaveLength(payable);
    const liveRequests = s.live.requests.length;

    const rehearsed = await s.onSimulator(file, provider);
    expect(rehearsed.code).toBe(2);
    expect(await journalOf(s.rehearsal, provider)).toHaveLength(payable);
    expect(results(rehearsed.summary!.out_dir).filter((r) => r.status === 'pending' || r.status === 'paid')).toHaveLength(payable);
    expect(await journalOf(s.live, provider)).toHaveLength(payable);
    expect(s.live.requests.length).toBe(liveRequests);
  });
});
