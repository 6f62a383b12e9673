import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { levenshtein, suggestFlags } from '../src/cli.ts';
import { ROOT, runCli } from './support/cli.ts';

/** End to end: what the command line tells a person who mistypes, or asks. */

const COMMANDS = ['validate', 'run', 'batches', 'status', 'sync', 'report', 'webhooks', 'simulator', 'users', 'serve'];

describe('the command line', { timeout: 120_000 }, () => {
  it('--version prints the package version', async () => {
    const result = await runCli(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toBe((JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  });

  it('an unknown flag gets "did you mean" with the nearest option of that command', async () => {
    const result = await runCli(['run', 'x.csv', '--dry-rn', '--json']);
    expect(result.code).toBe(64);
    expect(result.summary!.error).toMatchObject({ code: 'USAGE', message: 'Unknown argument: dry-rn' });
    expect(result.summary!.error.hint).toMatch(/did you mean --dry-run\?/);
    // Options are the command's own: report has --from, run has not.
    const report = await runCli(['report', '--fromm', '2026-01-01', '--json']);
    expect(report.summary!.error.hint).toMatch(/did you mean --from\?/);
  });

  it('an unknown command gets "did you mean" with the nearest command', async () => {
    const result = await runCli(['valdate', 'x.csv']);
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/Did you mean validate\?/);
  });

  it('every option of every command has a description in --help', async () => {
    for (const command of COMMANDS) {
      const help = await runCli([command, '--help']);
      expect(help.code, command).toBe(0);
      // An option line is "  --name  description  [type] [default]" (a wrapped description goes on deeper-indented
      // lines); without a description the brackets follow the name.
      const options = help.stdout.split('\n').filter((l) => /^ {2}(-\w, )?--[a-z]/.test(l));
      expect(options.length, command).toBeGreaterThan(1);
      const bare = options.filter((l) => /^\s+(-\w, )?--[a-z][a-z-]*\s+(\[|$)/.test(l));
      expect(bare, `${command}: options without a description`).toEqual([]);
    }
  });
});

describe('suggestFlags', () => {
  it('suggests within two edits, and nothing for a name far from every option', () => {
    expect(levenshtein('dry-rn', 'dry-run')).toBe(1);
    expect(suggestFlags('Unknown argument: dry-rn', ['dry-run', 'dryRun', 'out'])).toBe('dry-rn: did you mean --dry-run? (see --help)');
    expect(suggestFlags('Unknown argument: zzzzzz', ['dry-run', 'out'])).toBeUndefined();
    expect(suggestFlags('Missing required argument: file', ['file'])).toBeUndefined();
  });
});
