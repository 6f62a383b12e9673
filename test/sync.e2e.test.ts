import { collectRows } from '../src/ledger/collect-rows.ts';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCommand } from '../src/commands/run/run-command.ts';
import { syncCommand, type SyncArgs } from '../src/commands/sync/sync-command.ts';
import type { ProviderId } from '../src/domain/provider-id.ts';
import type { RowStatus } from '../src/domain/row-status.ts';
import type { LedgerStore } from '../src/ledger/ledger-store.ts';
import { openLedger } from '../src/ledger/open-ledger.ts';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../src/simulator/index.ts';
import { SIMULATOR_CREDENTIALS } from '../src/simulator/index.ts';
import { runCli, startRecordingSimulator } from './support/cli.ts';

/**
 * End to end: batches paid by the run command against the real simulator over HTTP, then `sync` asking the providers
 * about them, with a real SQLite ledger file. Time only moves through the simulator clock (POST /__admin/advance).
 */
const ROOT = resolve(import.meta.dirname, '..');
const LEDGER_CHILD = join(ROOT, 'src/ledger/test-support/ledger-child.ts');
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'payout-sync-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function simulator(options: SimulatorOptions): Promise<RunningSimulator> {
  const sim = await startSimulator({ port: 0, ...options });
  cleanups.push(() => sim.close());
  return sim;
}

const advance = async (sim: RunningSimulator, ms: number) => void (await fetch(`${sim.url}/__admin/advance?ms=${ms}`, { method: 'POST' }));
const journal = async (sim: RunningSimulator) =>
  (await (await fetch(`${sim.url}/__admin/journal`)).json()) as Array<{ provider: string; provider_id: string; reference: string | null; status: string }>;

/** Runs a command in-process with stdout captured: returns its exit code and its --json summary. */
async function captured(command: () => Promise<number>): Promise<{ code: number; summary: Record<string, any> }> {
  let stdout = '';
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += chunk.toString();
    return true;
  });
  try {
    const code = await command();
    return { code, summary: JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') };
  } finally {
    vi.mocked(process.stdout.write).mockRestore();
  }
}

function pay(sim: RunningSimulator, file: string, provider: ProviderId, dir: string, extra: { config?: string; maxAttempts?: number } = {}) {
  return captured(() =>
    runCommand({
      file,
      provider,
      target: 'simulator',
      simulatorUrl: sim.url,
      ledger: join(dir, 'ledger.sqlite'),
      out: join(dir, `run-${Math.random().toString(36).slice(2, 8)}`),
      format: 'csv',
      maxAttempts: extra.maxAttempts ?? 5,
      onInvalid: 'skip',
      dryRun: false,
      yes: false,
      json: true,
      ...(extra.config ? { config: extra.config } : {}),
    }),
  );
}

function sync(simUrl: string, dir: string, args: Partial<SyncArgs> = {}, deps: Parameters<typeof syncCommand>[1] = {}) {
  return captured(() =>
    syncCommand(
      {
        all: false,
        untilFinal: false,
        timeout: 120,
        maxAttempts: 5,
        target: 'simulator',
        simulatorUrl: simUrl,
        ledger: join(dir, 'ledger.sqlite'),
        out: join(dir, `sync-${Math.random().toString(36).slice(2, 8)}`),
        format: 'csv',
        json: true,
        yes: false,
        ...args,
      },
      deps,
    ),
  );
}

async function withLedger<T>(dir: string, read: (ledger: LedgerStore) => T | Promise<T>): Promise<T> {
  const ledger = await openLedger(join(dir, 'ledger.sqlite'));
  try {
    return await read(ledger);
  } finally {
    await ledger.close();
  }
}

const SENT: RowStatus[] = ['sending', 'unknown', 'pending', 'paid', 'failed', 'not_sent'];
const sentRows = (ledger: LedgerStore) => collectRows(ledger.rowsByStatus(null, SENT));
const FINAL_STATE: Record<string, RowStatus> = { completed: 'paid', failed: 'failed', paid_out: 'paid', Accredited: 'paid', Fail: 'failed', paid: 'paid', expired: 'failed' };
const results = (dir: string) => parse(readFileSync(join(dir, 'results.csv'), 'utf8'), { columns: true, bom: true }) as Array<Record<string, string>>;

/** 30 payable Openpay rows: enough that settle_fail=0.3 leaves both paid and failed rows. */
function openpayFile(dir: string): string {
  const file = join(dir, 'openpay-30.csv');
  const lines = ['order_id,clabe,beneficiario,monto,moneda'];
  for (let i = 1; i <= 30; i++) lines.push(`SY-${String(i).padStart(4, '0')},012180001183597198,Beneficiario ${i},${100 + i}.50,MXN`);
  writeFileSync(file, lines.join('\n'));
  return file;
}

describe('payout-batch sync', () => {
  it.each([
    ['openpay', null, 300],
    ['conekta', 'samples/conekta-payouts.csv', 300],
    ['zenrise', 'samples/zenrise-payouts.csv', 300],
    // FEMSA: a payout order that is never collected expires 48 h after creation.
    ['digitalfemsa', 'samples/digitalfemsa-payouts.csv', 12 * 3_600_000],
  ] as const)('--until-final settles every %s row after settle_fail and records each transition', async (provider, sample, stepMs) => {
    const dir = tempDir();
    const sim = await simulator({ faults: 'settle_fail=0.3,latency=5..20', settleMs: 1000, seed: 11 });
    const file = sample ? join(ROOT, sample) : openpayFile(dir);
    await pay(sim, file, provider, dir);
    const before = await withLedger(dir, async (l) => (await sentRows(l)).map((r) => ({ id: r.id, status: r.status, payoutId: r.providerPayoutId })));
    expect(before.length).toBeGreaterThanOrEqual(3);
    for (const row of before) expect(['pending', 'paid', 'failed']).toContain(row.status);

    // Between rounds the simulated clock moves instead of real time passing.
    let pauses = 0;
    const result = await sync(sim.url, dir, { untilFinal: true }, { pause: async () => void (pauses++, await advance(sim, stepMs)) });

    const truth = new Map((await journal(sim)).filter((e) => e.provider === provider).map((e) => [e.provider_id, e.status]));
    const after = await withLedger(dir, async (l) => await Promise.all((await sentRows(l)).map(async (r) => ({ row: r, history: await l.history(r.id) }))));
    expect(pauses).toBeGreaterThan(0);
    for (const { row, history } of after) {
      const status = truth.get(row.providerPayoutId!);
      expect(status, `row ${row.rowNumber}`).toBeDefined();
      expect(row.status).toBe(FINAL_STATE[status!]);
      expect(row.providerStatus).toBe(status);
      // Each transition, with its time, in order: planned → sent → accepted → settled by sync.
      const moves = history.map((h) => `${h.from}→${h.to}:${h.cause}`);
      expect(moves.slice(0, 3)).toEqual(['null→queued:planned', 'queued→sending:sent', 'sending→pending:provider_accepted']);
      expect(history.at(-1)).toMatchObject({ from: 'pending', to: row.status, cause: 'sync', providerStatus: status });
      for (let i = 1; i < history.length; i++) expect(history[i]!.at.getTime()).toBeGreaterThanOrEqual(history[i - 1]!.at.getTime());
    }
    const failed = after.filter((a) => a.row.status === 'failed').length;
    if (provider === 'openpay') {
      expect(failed).toBeGreaterThan(0);
      expect(after.length - failed).toBeGreaterThan(0);
    }
    // Every row of the batch counts: a failed payout is money needing attention (3); else the file's not-payable rows give 2.
    const notPayable = results(result.summary.out_dir as string).filter((r) => ['invalid', 'duplicate', 'conflict'].includes(r.status ?? '')).length;
    expect(result.code).toBe(failed > 0 ? 3 : notPayable > 0 ? 2 : 0);

    // The results file and the summary show the ledger as sync left it.
    const out = result.summary.out_dir as string;
    const byRow = new Map(results(out).map((r) => [Number(r.row), r.status]));
    for (const { row } of after) expect(byRow.get(row.rowNumber)).toBe(row.status);
    expect(result.summary).toMatchObject({ command: 'sync', ledger_path: join(dir, 'ledger.sqlite'), exit_code: result.code });
    expect(result.summary.counts.pending ?? 0).toBe(0);
    const log = readFileSync(join(out, 'sync.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.at(-1)).toMatchObject({ event: 'finish', exit_code: result.code });
  });

  it('one round records only what changed: rows the provider still has pending keep their history', async () => {
    const dir = tempDir();
    const sim = await simulator({ settleMs: 600_000, seed: 3 });
    await pay(sim, join(ROOT, 'samples/openpay-payouts.csv'), 'openpay', dir);
    const before = await withLedger(dir, async (l) => await Promise.all((await sentRows(l)).map(async (r) => (await l.history(r.id)).length)));

    let pauses = 0;
    const result = await sync(sim.url, dir, {}, { pause: async () => void pauses++ });
    expect(result.code).toBe(2); // every payout pending; the sample's bad rows are not payable
    expect(pauses).toBe(0);
    expect(await withLedger(dir, async (l) => await Promise.all((await sentRows(l)).map(async (r) => [r.status, (await l.history(r.id)).length])))).toEqual(before.map((n) => ['pending', n]));

    // The provider changes a payout behind our back: the next sync records exactly that one change.
    const [first] = await withLedger(dir, async (l) => await sentRows(l));
    await fetch(`${sim.url}/__admin/mutate`, { method: 'POST', body: JSON.stringify({ provider: 'openpay', provider_id: first!.providerPayoutId, status: 'completed' }) });
    const again = await sync(sim.url, dir);
    expect(again.code).toBe(2);
    await withLedger(dir, async (l) => {
      expect(await l.getRow(first!.id)).toMatchObject({ status: 'paid', providerStatus: 'completed' });
      expect((await l.history(first!.id)).at(-1)).toMatchObject({ from: 'pending', to: 'paid', cause: 'sync' });
      expect((await sentRows(l)).filter((r) => r.status === 'pending')).toHaveLength(before.length - 1);
    });
  });

  it('--until-final gives up at --timeout with exit 3 (money not settled), and stops with 130 when interrupted between rounds', async () => {
    const dir = tempDir();
    const sim = await simulator({ settleMs: 600_000, seed: 4 });
    await pay(sim, join(ROOT, 'samples/openpay-payouts.csv'), 'openpay', dir);

    let pauses = 0;
    const timedOut = await sync(sim.url, dir, { untilFinal: true, timeout: 0 }, { pause: async () => void pauses++ });
    expect(timedOut.code).toBe(3);
    expect(pauses).toBe(0);
    expect(timedOut.summary.warnings.join('\n')).toMatch(/--until-final/);

    const stop = new AbortController();
    const interrupted = await sync(sim.url, dir, { untilFinal: true }, { signal: stop.signal, pause: async () => stop.abort() });
    expect(interrupted.code).toBe(130);
    expect(await withLedger(dir, async (l) => (await sentRows(l)).map((r) => r.status))).toEqual(['pending', 'pending', 'pending', 'pending']);
  });

  it('settles unknown Openpay rows by lookup: exit 1 while the provider cannot answer, then exactly one payout each', async () => {
    const dir = tempDir();
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ providers: { openpay: { timeoutMs: 300 } } }));
    // Every payout request hangs and is never performed: the run leaves its rows unknown.
    const hanging = await simulator({ faults: 'timeout=1', seed: 5 });
    await pay(hanging, join(ROOT, 'samples/openpay-payouts.csv'), 'openpay', dir, { config, maxAttempts: 1 });
    const unknown = await withLedger(dir, async (l) => (await collectRows(l.rowsByStatus(null, ['unknown']))));
    expect(unknown).toHaveLength(4);

    const blind = await sync(hanging.url, dir, { config });
    expect(blind.code).toBe(1);
    expect(await withLedger(dir, async (l) => (await collectRows(l.rowsByStatus(null, ['unknown']))))).toHaveLength(4);

    // Against a provider that answers, the lookup (the same order_id again) finds or makes the one payout of each key.
    const sim = await startRecordingSimulator({ seed: 6, settleMs: 600_000 });
    cleanups.push(() => sim.close());
    const settled = await sync(sim.url, dir, { config });
    expect(settled.code).toBe(2); // all pending now; the sample's bad rows remain not payable
    const payouts = (await sim.journal()).filter((e) => e.provider === 'openpay');
    expect(payouts.map((p) => p.reference).sort()).toEqual(unknown.map((r) => r.orderKey).sort());
    await withLedger(dir, async (l) => {
      for (const row of unknown) {
        const now = (await l.getRow(row.id))!;
        expect(now.status).toBe('pending');
        expect(now.providerPayoutId).toBe(payouts.find((p) => p.reference === row.orderKey)!.provider_id);
        expect((await l.history(row.id)).at(-1)).toMatchObject({ from: 'unknown', to: 'pending', cause: 'lookup' });
      }
    });
    // Now the rows have their payout ids: a further sync only reads them.
    const moneyMoving = sim.moneyMoving();
    expect((await sync(sim.url, dir, { config })).code).toBe(2);
    expect(sim.moneyMoving()).toBe(moneyMoving);
  });

  it('turns an unknown Conekta row the provider never received into not_sent, for the next run to send', async () => {
    const dir = tempDir();
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ providers: { conekta: { timeoutMs: 300 } } }));
    const sim = await simulator({ faults: 'timeout=1', seed: 8 });
    await pay(sim, join(ROOT, 'samples/conekta-payouts.csv'), 'conekta', dir, { config, maxAttempts: 1 });
    const unknown = await withLedger(dir, async (l) => (await collectRows(l.rowsByStatus(null, ['unknown']))));
    expect(unknown.length).toBeGreaterThanOrEqual(2);

    // Listing transfers is not affected by the fault: the lookup proves there is none.
    const result = await sync(sim.url, dir, { config });
    expect(result.code).toBe(3); // not_sent: money needs attention (a run must send them)
    expect(await journal(sim)).toEqual([]);
    await withLedger(dir, async (l) => {
      for (const row of unknown) {
        expect(await l.getRow(row.id)).toMatchObject({ status: 'not_sent' });
        expect((await l.history(row.id)).at(-1)).toMatchObject({ from: 'unknown', to: 'not_sent', cause: 'lookup_found_nothing' });
      }
    });
  });

  describe('on sandbox and live, a lookup that re-sends the payout request needs confirmation', () => {
    const SANDBOX_ENV = {
      OPENPAY_MERCHANT_ID: SIMULATOR_CREDENTIALS.openpay.merchantId,
      OPENPAY_PRIVATE_KEY: SIMULATOR_CREDENTIALS.openpay.privateKey,
      CONEKTA_PRIVATE_KEY: SIMULATOR_CREDENTIALS.conekta.privateKey,
    };

    /**
     * Rows of `provider` left unknown by a sandbox run against a simulator that never answers, and a config whose
     * sandbox base URL is `sim` (the batch is a sandbox batch: sync --target sandbox only asks about those).
     */
    async function unknownRows(provider: 'openpay' | 'conekta', sample: string, sim: RunningSimulator) {
      const dir = tempDir();
      const config = join(dir, 'config.json');
      writeFileSync(config, JSON.stringify({ providers: { [provider]: { timeoutMs: 300, baseUrl: { sandbox: `${sim.url}/${provider}` } } } }));
      const hanging = await simulator({ faults: 'timeout=1', seed: 5 });
      const payConfig = join(dir, 'pay-config.json');
      writeFileSync(payConfig, JSON.stringify({ providers: { [provider]: { timeoutMs: 300, baseUrl: { sandbox: `${hanging.url}/${provider}` } } } }));
      await runCli(['run', join(ROOT, sample), '--provider', provider, '--target', 'sandbox', '--config', payConfig, '--ledger', join(dir, 'ledger.sqlite'), '--new-ledger', '--max-attempts', '1', '--out', join(dir, 'run'), '--format', 'csv', '--json'], {
        env: { ...SANDBOX_ENV, XDG_CONFIG_HOME: join(dir, 'xdg') },
      });
      const unknown = await withLedger(dir, async (l) => await collectRows(l.rowsByStatus(null, ['unknown'])));
      expect(unknown.length).toBeGreaterThanOrEqual(2);
      return { dir, config, unknown };
    }
    const statuses = (dir: string) => withLedger(dir, async (l) => (await sentRows(l)).map((r) => r.status));
    const syncCli = (dir: string, config: string, extra: string[] = []) =>
      runCli(['sync', '--target', 'sandbox', '--config', config, '--ledger', join(dir, 'ledger.sqlite'), '--out', join(dir, `sync-${Math.random().toString(36).slice(2, 8)}`), '--format', 'csv', '--json', ...extra], {
        env: { ...SANDBOX_ENV, XDG_CONFIG_HOME: join(dir, 'xdg') },
      });

    it('with no terminal and no --yes, unknown Openpay rows are not re-sent and stay unknown; --yes re-sends each once', async () => {
      const sim = await startRecordingSimulator({ seed: 6, settleMs: 600_000 });
      cleanups.push(() => sim.close());
      const { dir, config, unknown } = await unknownRows('openpay', 'samples/openpay-payouts.csv', sim);

      const held = await syncCli(dir, config);
      expect(held.code).toBe(3); // rows stay unknown
      expect(sim.moneyMoving()).toBe(0);
      expect(await statuses(dir)).toEqual(unknown.map(() => 'unknown'));
      expect(held.summary!.warnings.filter((w: string) => w.includes('--yes'))).toHaveLength(1);

      const confirmed = await syncCli(dir, config, ['--yes']);
      expect(confirmed.code).toBe(2); // all pending; the sample's bad rows remain
      expect(sim.moneyMoving()).toBe(unknown.length);
      expect(await statuses(dir)).toEqual(unknown.map(() => 'pending'));
    });

    it('asks at the prompt, naming the host: "no" re-sends nothing, "yes" re-sends the rows it asked about', async () => {
      const sim = await startRecordingSimulator({ seed: 6, settleMs: 600_000 });
      cleanups.push(() => sim.close());
      const { dir, config, unknown } = await unknownRows('openpay', 'samples/openpay-payouts.csv', sim);
      for (const [name, value] of Object.entries(SANDBOX_ENV)) vi.stubEnv(name, value);
      const questions: string[] = [];
      const answering = (answer: boolean) => ({ prompt: { canPrompt: () => true, confirm: async (q: string) => (questions.push(q), answer) } });

      const refused = await sync(sim.url, dir, { target: 'sandbox', simulatorUrl: undefined, config }, answering(false));
      expect(refused.code).toBe(3);
      expect(sim.moneyMoving()).toBe(0);
      expect(questions).toHaveLength(1);
      expect(questions[0]).toContain(new URL(sim.url).origin);

      const accepted = await sync(sim.url, dir, { target: 'sandbox', simulatorUrl: undefined, config }, answering(true));
      expect(accepted.code).toBe(2);
      expect(sim.moneyMoving()).toBe(unknown.length);
      expect(await statuses(dir)).toEqual(unknown.map(() => 'pending'));
    });

    it('a lookup that only reads (Conekta) needs no confirmation: unknown rows it proves never sent become not_sent', async () => {
      const sim = await startRecordingSimulator({ seed: 6 });
      cleanups.push(() => sim.close());
      const { dir, config, unknown } = await unknownRows('conekta', 'samples/conekta-payouts.csv', sim);
      const result = await syncCli(dir, config);
      expect(result.code).toBe(3); // not_sent
      expect(sim.moneyMoving()).toBe(0);
      expect(await statuses(dir)).toEqual(unknown.map(() => 'not_sent'));
      expect(result.summary!.warnings.filter((w: string) => w.includes('--yes'))).toHaveLength(0);
    });
  });

  it("leaves a live run's sending rows alone, and settles them once that run is dead", async () => {
    const dir = tempDir();
    const ledgerPath = join(dir, 'ledger.sqlite');
    const sim = await startRecordingSimulator({ seed: 9 });
    cleanups.push(() => sim.close());
    // A separate process marks rows sending (as a run does just before its requests leave) and keeps the batch lock.
    const child = startLedgerChild(['mark-sending', ledgerPath, 'crashed-run', '3', '3']);
    expect(await child.line('done')).toBe('done');

    const whileAlive = await sync(sim.url, dir, { all: true });
    // Another process holds the batch: its rows could not be settled, which a scheduler must hear about.
    expect(whileAlive.code).toBe(3);
    expect(whileAlive.summary.warnings.join('\n')).toMatch(new RegExp(`pid ${child.process.pid}`));
    expect(await withLedger(dir, async (l) => (await collectRows(l.rowsByStatus(null, ['sending']))))).toHaveLength(3);
    expect(sim.moneyMoving()).toBe(0);

    child.process.kill('SIGKILL');
    await child.exited;
    const afterCrash = await sync(sim.url, dir, { all: true });
    // The rows carry a CLABE the provider refuses (bad check digit): the lookup proves nothing was performed.
    expect(afterCrash.code).toBe(3); // not_sent
    expect(await sim.journal()).toEqual([]);
    await withLedger(dir, async (l) => {
      const rows = await sentRows(l);
      expect(rows).toHaveLength(3);
      for (const row of rows) {
        expect(row.status).toBe('not_sent');
        expect((await l.history(row.id)).slice(-2).map((h) => `${h.from}→${h.to}:${h.cause}`)).toEqual(['sending→unknown:outcome_unknown', 'unknown→not_sent:lookup_found_nothing']);
      }
      expect(await l.batchLockOwner(rows[0]!.batchId)).toBeUndefined();
    });
  });
});

interface LedgerChild {
  process: ChildProcess;
  /** Resolves with the first line equal to `wanted` (rejects if the child exits first). */
  line(wanted: string): Promise<string>;
  exited: Promise<void>;
}

function startLedgerChild(args: string[]): LedgerChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', LEDGER_CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout!.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  proc.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const exited = new Promise<void>((done) => proc.once('close', () => done()));
  cleanups.push(async () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGKILL');
    await exited;
  });
  return {
    process: proc,
    exited,
    line: (wanted) =>
      new Promise((resolve, reject) => {
        const check = () => {
          if (stdout.split('\n').includes(wanted)) resolve(wanted);
        };
        proc.stdout!.on('data', check);
        void exited.then(() => reject(new Error(`ledger child exited before "${wanted}": ${stderr}`)));
        check();
      }),
  };
}
