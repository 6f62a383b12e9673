import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { confirmByTyping } from './confirm.ts';

function answered(lines: string | null) {
  const input = new PassThrough();
  const output = new PassThrough();
  let asked = '';
  output.on('data', (c: Buffer) => (asked += c.toString()));
  const answer = confirmByTyping('LIVE: pay 1 payout via openpay (https://api.openpay.mx)?', 'pay', { input, output });
  if (lines === null) input.end();
  else input.write(`${lines}\n`);
  return answer.then((ok) => ({ ok, asked }));
}

describe('confirmByTyping', () => {
  it.each([
    ['pay', true],
    ['  PAY ', true],
    ['yes', false],
    ['', false],
  ])('answer %j → %s', async (line, ok) => {
    expect((await answered(line)).ok).toBe(ok);
  });

  it('a closed input is a no', async () => {
    expect((await answered(null)).ok).toBe(false);
  });

  it('asks the question it was given, host included', async () => {
    expect((await answered('no')).asked).toContain('https://api.openpay.mx');
  });
});
