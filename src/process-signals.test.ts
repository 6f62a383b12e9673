import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dispatchSignal, holdSignals } from './process-signals.ts';

describe('holdSignals', () => {
  it('gives a signal to every owner while held, and its listener goes with the last release', () => {
    const before = process.listenerCount('SIGTERM');
    const seen: string[] = [];
    const releaseA = holdSignals((s) => seen.push(`a:${s}`));
    const releaseB = holdSignals((s) => seen.push(`b:${s}`));
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    dispatchSignal('SIGTERM');
    releaseB();
    releaseB();
    dispatchSignal('SIGINT');
    expect(seen).toEqual(['a:SIGTERM', 'b:SIGTERM', 'a:SIGINT']);
    releaseA();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});

describe('a signal no one holds', () => {
  it('ends the process with 130 and one line on stderr', () => {
    const script = `
      const { installSignalExit, holdSignals } = await import(${JSON.stringify(join(import.meta.dirname, 'process-signals.ts'))});
      installSignalExit();
      const release = holdSignals(() => process.stdout.write('held\\n'));
      process.kill(process.pid, 'SIGTERM');
      setTimeout(() => { release(); process.kill(process.pid, 'SIGTERM'); }, 50);
      setTimeout(() => process.stdout.write('still running\\n'), 5000);
    `;
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    expect(child.stdout).toBe('held\n');
    expect(child.status).toBe(130);
    expect(child.stderr).toBe('payout-batch: stopped by SIGTERM (exit 130)\n');
  });
});
