/**
 * Regression: a SIGINT while `run --dry-run` was writing its results ended the process at once (exit 130, as a
 * signal outside any hold does) and left results.csv.<random>.partial in --out. Half a file is now removed on the
 * way out; the exit stays 130 with its one line.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { generateBatch } from '../../bench/generate-batch.ts';
import { runCli, startRecordingSimulator, tempDir } from '../support/cli.ts';

describe('a signal during a dry run', () => {
  it('leaves no .partial file behind', async () => {
    const sim = await startRecordingSimulator({ seed: 12 });
    try {
      const dir = tempDir('payout-dry-signal-');
      const file = join(dir, 'batch.csv');
      await generateBatch({ path: file, rows: 60_000, provider: 'openpay', prefix: 'DS' });
      const out = join(dir, 'out');
      let signalled = false;
      const result = await runCli(['run', file, '--provider', 'openpay', '--simulator-url', sim.url, '--ledger', join(dir, 'ledger.sqlite'), '--dry-run', '--out', out, '--format', 'csv'], {
        onSpawn: (kill) => {
          // Signalled once the results are being written: a partial file is there.
          const poll = setInterval(() => {
            if (!existsSync(out) || !readdirSync(out).some((f) => f.endsWith('.partial'))) return;
            clearInterval(poll);
            signalled = true;
            kill('SIGINT');
          }, 5);
        },
      });
      expect(signalled).toBe(true);
      expect(result.code, result.stderr).toBe(130);
      expect(result.stderr.split('\n').filter((l) => l.startsWith('payout-batch:'))).toEqual(['payout-batch: stopped by SIGINT (exit 130)']);
      expect(readdirSync(out).filter((f) => f.endsWith('.partial'))).toEqual([]);
      expect(sim.moneyMoving()).toBe(0);
    } finally {
      await sim.close();
    }
  }, 180_000);
});
