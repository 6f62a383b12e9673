import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** The installed command runs the compiled build in dist/ with no TypeScript loader. */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BIN = join(ROOT, 'bin', 'payout-batch.js');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(join(dir, e.name)) : [join(dir, e.name)]));
}

function runBin(args: string[], cwd: string) {
  // NODE_OPTIONS cleared: the test runner's own loader must not leak into the child.
  return spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '', HOME: cwd }, timeout: 60_000 });
}

describe('installed command (dist/)', () => {
  it('ships JavaScript only, imports no TypeScript loader, and carries no test code', () => {
    const files = filesUnder(join(ROOT, 'dist')).filter((f) => /\.(m?js)$/.test(f));
    expect(files.length).toBeGreaterThan(50);
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      expect(text, file).not.toMatch(/from ['"]tsx|import\(['"]tsx|['"]tsx\/esm/);
      expect(text, file).not.toMatch(/from ['"][^'"]+\.ts['"]/);
      expect(file).not.toMatch(/\.test\.js$|test-support/);
    }
    expect(statSync(join(ROOT, 'dist', 'read', 'csv-parse-worker.mjs')).isFile()).toBe(true);
    expect(statSync(join(ROOT, 'dist', 'read', 'xlsx-parse-thread.js')).isFile()).toBe(true);
  });

  it('answers --help', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-bin-'));
    const result = runBin(['--help'], dir);
    expect(result.status).toBe(0);
    for (const command of ['validate', 'run', 'sync', 'report', 'webhooks', 'simulator']) expect(result.stdout).toContain(command);
  });

  it.each(['openpay-payouts.csv', 'openpay-payouts.xlsx'])('validates %s through the compiled readers and worker threads', (sample) => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-bin-'));
    const result = runBin(['validate', join(ROOT, 'samples', sample), '--provider', 'openpay', '--json', '--out', join(dir, 'out')], dir);
    // The sample carries deliberately bad rows: exit 2, with every row accounted for.
    expect(result.stderr).toBe('');
    expect(result.status).toBe(2);
    const summary = JSON.parse(result.stdout) as { counts: Record<string, number> };
    expect(summary.counts).toEqual({ valid: 4, invalid: 5, duplicate: 1 });
    expect(readFileSync(join(dir, 'out', 'results.csv'), 'utf8').split('\n').filter(Boolean)).toHaveLength(11);
  });
});
