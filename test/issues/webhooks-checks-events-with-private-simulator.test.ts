import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { webhooksCommand } from '../../src/commands/webhooks/webhooks-command.ts';
import { EXIT, RunError } from '../../src/run-error.ts';
import { runCli, tempDir } from '../support/cli.ts';

// `webhooks --target simulator` without --simulator-url started a simulator of its own, in-process: no run ever
// paid into it, so every event was "checked" against a provider that has none of the ledger's payouts (a real event
// for a paid row came back not found). It now refuses in one line, exit 1, asking for the simulator's URL, before
// opening a ledger or a port.
const PORT = 4931;

function listening(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = createConnection({ port, host: '127.0.0.1' });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

describe('webhooks against the simulator needs --simulator-url', () => {
  it.each([[[]], [['--target', 'simulator']]])('refuses %j without it: exit 64 (usage, as sync), one line, no ledger, no port', async (target) => {
    const dir = tempDir('payout-webhooks-sim-');
    const ledger = join(dir, 'ledger.sqlite');
    const result = await runCli(['webhooks', ...target, '--ledger', ledger, '--port', String(PORT)]);
    expect(result.code).toBe(EXIT.USAGE);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('--simulator-url');
    expect(existsSync(ledger)).toBe(false);
    expect(await listening(PORT)).toBe(false);
    // The command's own error code, as main.ts maps it to exit 1.
    const error = await webhooksCommand({ port: PORT, host: '127.0.0.1', ledger, ...(target.length ? { target: 'simulator' as const } : {}) }, { out: () => {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunError);
    expect(error).toMatchObject({ code: 'USAGE', exitCode: EXIT.USAGE });
    expect(existsSync(ledger)).toBe(false);
  });
});
