import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { isRunError } from '../../run-error.ts';
import { call, openpayHeaders } from '../../simulator/sim-test-client.ts';
import { SIMULATOR_CREDENTIALS } from '../../simulator/start-simulator.ts';
import { simulatorCommand } from './simulator-command.ts';

const BIN = fileURLToPath(new URL('../../../bin/payout-batch.js', import.meta.url));

describe('simulatorCommand', () => {
  it('prints the base URLs, serves until stopped, and resolves 0', async () => {
    const output: string[] = [];
    const stop = new AbortController();
    const done = simulatorCommand({ port: 0, host: '127.0.0.1', seed: 1, balance: '1000000.05' }, { out: (t) => output.push(t), err: () => {}, signal: stop.signal });
    await vi.waitFor(() => expect(output.join('')).toContain('Stop with Ctrl-C.'));
    const text = output.join('');
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(text)?.[1];
    expect(url).toBeDefined();
    for (const provider of ['openpay', 'conekta', 'digitalfemsa', 'zenrise']) expect(text).toContain(`${url}/${provider}`);
    expect(text).toContain(SIMULATOR_CREDENTIALS.openpay.privateKey);
    // --balance "1000000.05" is read exactly to cents.
    const merchant = await call(`${url}/openpay/v1/${SIMULATOR_CREDENTIALS.openpay.merchantId}`, { headers: openpayHeaders() });
    expect(merchant.text).toContain('"balance":1000000.05');
    stop.abort();
    await expect(done).resolves.toBe(0);
    expect(output.join('')).toContain('Simulator stopped.');
    await expect(call(`${url}/__admin/stats`)).rejects.toThrow();
  });

  it.each([
    ['a balance with three decimals', { balance: '1.005' }],
    ['a negative balance', { balance: '-1' }],
    ['an unknown fault', { faults: 'http502=0.1' }],
    ['a port out of range', { port: 70000 }],
  ])('refuses %s as a usage error', async (_what, args) => {
    const error = await simulatorCommand({ port: 0, host: '127.0.0.1', ...args }, { out: () => {}, err: () => {} }).catch((e: unknown) => e);
    expect(isRunError(error)).toBe(true);
    expect((error as { code: string }).code).toBe('USAGE');
  });

  it('runs from the CLI and stops cleanly on SIGINT with exit code 0', async () => {
    const child = spawn(process.execPath, [BIN, 'simulator', '--port', '0', '--seed', '4', '--faults', 'settle_fail=0.5', '--settle-ms', '100'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await vi.waitFor(() => expect(stdout).toContain('Stop with Ctrl-C.'), { timeout: 20_000, interval: 50 });
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout)?.[1];
    expect((await call(`${url}/__admin/stats`)).body).toMatchObject({ seed: 4 });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toContain('Simulator stopped.');
  });
});
