import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openReviewStore } from '../src/serve/open-review-store.ts';
import { verifyPassword } from '../src/serve/passwords.ts';
import { BIN, ROOT } from './support/cli.ts';

function users(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, 'users', ...args], { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  child.stdin.end(stdin ?? '');
  return new Promise((done) => child.once('close', (code) => done({ code, stdout, stderr })));
}

describe('payout-batch users', () => {
  it('adds, lists and removes users in the ledger given by --ledger; the password is stored as a scrypt hash', async () => {
    const ledger = join(mkdtempSync(join(tmpdir(), 'users-')), 'ledger.sqlite');
    const added = await users(['add', 'olga', '--role', 'operator', '--password-stdin', '--ledger', ledger], 'a long password\n');
    expect(added.code, added.stderr).toBe(0);
    expect((await users(['add', 'ana', '--role', 'approver', '--password-stdin', '--ledger', ledger], 'another password\n')).code).toBe(0);
    const again = await users(['add', 'olga', '--role', 'viewer', '--password-stdin', '--ledger', ledger], 'a long password\n');
    expect(again.code).toBe(64);
    expect((await users(['add', 'bob', '--role', 'viewer', '--password-stdin', '--ledger', ledger], 'short\n')).code).toBe(64);
    expect((await users(['add', 'bob', '--role', 'admin', '--password-stdin', '--ledger', ledger], 'a long password\n')).code).toBe(64);
    // No terminal and no --password-stdin: refused rather than reading a password from a pipe unasked.
    expect((await users(['add', 'bob', '--role', 'viewer', '--ledger', ledger])).code).toBe(64);

    const listed = await users(['list', '--ledger', ledger]);
    expect(listed.code).toBe(0);
    expect(listed.stdout.trim().split('\n').map((l) => l.split('\t').slice(0, 2))).toEqual([['ana', 'approver'], ['olga', 'operator']]);

    const store = await openReviewStore(ledger);
    const olga = await store.getUser('olga');
    expect(olga?.passwordHash).not.toContain('a long password');
    expect(await verifyPassword('a long password', olga!.passwordHash)).toBe(true);
    await store.close();

    expect((await users(['remove', 'olga', '--ledger', ledger])).code).toBe(0);
    expect((await users(['remove', 'olga', '--ledger', ledger])).code).toBe(64);
    expect((await users(['list', '--ledger', ledger])).stdout).not.toContain('olga');
  });
});
