import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeLogger, createLogger, maskEmail } from './logger.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'logger-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const PRIVATE_KEY = 'sk_e568c42a6c384b7ab02cd47d2e407cab';
const BEARER = 'Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0.sig';
const CLABE = '012180001234567897';
const CBU = '2850590940090418135201';

async function logLines(file: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(file, 'utf8');
  return text
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

describe('createLogger', () => {
  it('writes JSON lines to the run log with no secret and no full account number', async () => {
    const file = join(dir, 'logs', 'run.log');
    const logger = createLogger({ file, stderr: false, base: { command: 'run' } });
    logger.info(
      {
        config: { openpay: { privateKey: PRIVATE_KEY, merchantId: 'm123' } },
        req: { headers: { authorization: BEARER, 'content-type': 'application/json' } },
        headers: { Authorization: BEARER },
        payout: { orderId: 'ORD-1', clabe: CLABE, email: 'juan.perez@example.com' },
        instruction: { account: { kind: 'clabe', number: CLABE, bankCode: '012' } },
        zenrise: { cbu: CBU, clientId: 'client-abc', token: 'tok-xyz' },
      },
      'sending payout',
    );
    await closeLogger(logger);

    const text = await readFile(file, 'utf8');
    for (const secret of [PRIVATE_KEY, 'eyJhbGciOiJIUzI1NiJ9', CLABE, CBU, 'client-abc', 'tok-xyz', 'juan.perez']) {
      expect(text).not.toContain(secret);
    }
    const [line] = await logLines(file);
    expect(line).toMatchObject({
      level: 30,
      msg: 'sending payout',
      command: 'run',
      config: { openpay: { privateKey: '[Redacted]', merchantId: 'm123' } },
      req: { headers: { authorization: '[Redacted]', 'content-type': 'application/json' } },
      headers: { Authorization: '[Redacted]' },
      payout: { orderId: 'ORD-1', clabe: '012***********7897', email: 'j***@example.com' },
      instruction: { account: '012***********7897' },
      zenrise: { cbu: '285***************5201', clientId: '[Redacted]', token: '[Redacted]' },
    });
  });

  it('masks account fields at the top of the record and three levels down', async () => {
    const file = join(dir, 'run.log');
    const logger = createLogger({ file, stderr: false });
    logger.warn({ account: CLABE, a: { b: { c: { account_number: CLABE } } } }, 'deep');
    await closeLogger(logger);
    const [line] = await logLines(file);
    expect(line).toMatchObject({ account: '012***********7897', a: { b: { c: { account_number: '012***********7897' } } } });
  });

  it('masks the account of a child logger bound to a row', async () => {
    const file = join(dir, 'run.log');
    const logger = createLogger({ file, stderr: false });
    logger.child({ row: 7, account: CLABE }).error({ payout: { cvu: '0000003100010000000001' } }, 'failed');
    await closeLogger(logger);
    const text = await readFile(file, 'utf8');
    expect(text).not.toContain(CLABE);
    expect(text).not.toContain('0000003100010000000001');
    expect(text).toContain('012***********7897');
  });

  it('honours the level, and ISO times for people reading the file', async () => {
    const file = join(dir, 'run.log');
    const logger = createLogger({ file, stderr: false, level: 'warn' });
    logger.info('dropped');
    logger.warn('kept');
    await closeLogger(logger);
    const lines = await logLines(file);
    expect(lines.map((l) => l.msg)).toEqual(['kept']);
    expect(String(lines[0]?.time)).toMatch(/^\d{4}-\d{2}-\d{2}T/);
  });

  it('flushes everything on close, even lines logged just before', async () => {
    const file = join(dir, 'run.log');
    const logger = createLogger({ file, stderr: false, level: 'debug' });
    for (let i = 0; i < 2000; i++) logger.debug({ i }, 'tick');
    await closeLogger(logger);
    expect(await logLines(file)).toHaveLength(2000);
  });
});

describe('maskEmail', () => {
  it.each([
    ['juan.perez@example.com', 'j***@example.com'],
    ['j***@example.com', 'j***@example.com'],
    [' ana@example.mx ', 'a***@example.mx'],
    ['@example.com', '***@example.com'],
    ['not-an-email', '***'],
    ['', ''],
  ])('%j → %j', (email, masked) => {
    expect(maskEmail(email)).toBe(masked);
  });
});
