import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { checkCbu } from './cbu-cvu.ts';

/**
 * Differential test against Debian's python3-stdnum (`stdnum.ar.cbu`), an independent implementation of the BCRA
 * check digits that, unlike the npm port, gets check digit 0 right. CI installs it with
 * `apt-get install -y python3-stdnum`. Under CI (CI set) it is required: without it the suite fails. Elsewhere it is
 * skipped, with a note on stderr.
 */
const PYTHON = '/usr/bin/python3';
const available = spawnSync(PYTHON, ['-c', 'import stdnum.ar.cbu'], { stdio: 'ignore' }).status === 0;
const underCi = Boolean(process.env.CI);
if (!available && !underCi) process.stderr.write(`cbu-cvu.stdnum.test.ts skipped: ${PYTHON} with stdnum.ar.cbu not found (apt-get install python3-stdnum)\n`);

describe.runIf(underCi)('the CBU/CVU reference under CI', () => {
  it(`finds python3-stdnum at ${PYTHON} (the differential test must not pass by skipping)`, () => {
    expect(available).toBe(true);
  });
});

/** One verdict per input line: ok | length | format | checksum. */
const VERDICTS_PY = `
import sys
from stdnum.ar import cbu
from stdnum.exceptions import InvalidChecksum, InvalidFormat, InvalidLength
out = []
for line in sys.stdin.read().split('\\n')[:-1]:
    try:
        cbu.validate(line)
        out.append('ok')
    except InvalidLength:
        out.append('length')
    except InvalidFormat:
        out.append('format')
    except InvalidChecksum:
        out.append('checksum')
sys.stdout.write('\\n'.join(out) + '\\n')
`;

function ourVerdict(number: string): string {
  const result = checkCbu(number);
  if (result.ok) return 'ok';
  const byCode: Record<string, string> = { CBU_LENGTH: 'length', CBU_NOT_DIGITS: 'format', CBU_CHECKSUM: 'checksum' };
  return byCode[result.code] ?? result.code;
}

/** mulberry32: a seeded generator, so that a failure can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The generator's own check digit, written the way stdnum does (weights 3,1,7,9 from the right) rather than the
 * way cbu-cvu.ts does, so that a shared mistake is unlikely.
 */
function checkDigit(digits: string): string {
  const weights = [3, 1, 7, 9];
  let sum = 0;
  for (let i = 0; i < digits.length; i++) sum += Number(digits[digits.length - 1 - i]) * weights[i % 4]!;
  return String((10 - (sum % 10)) % 10);
}

describe.runIf(available || underCi)('checkCbu agrees with python3-stdnum stdnum.ar.cbu', () => {
  it('on 20,000 generated numbers: valid, check digit 0, random, mutated, transposed, mis-sized, non-digit', () => {
    const next = random(20250101);
    const digits = (n: number): string => Array.from({ length: n }, () => Math.floor(next() * 10)).join('');
    /** bank + branch (7) and account (13) with both check digits in place. */
    const compose = (block1: string, account: string): string =>
      `${block1}${checkDigit(block1)}${account}${checkDigit(account)}`;
    const valid = (): string => compose(digits(7), digits(13));
    /** Random digits until the block's check digit comes out 0. */
    const zeroChecked = (length: number): string => {
      for (;;) {
        const block = digits(length);
        if (checkDigit(block) === '0') return block;
      }
    };

    const inputs: string[] = [];
    for (let i = 0; i < 5000; i++) inputs.push(valid());
    for (let i = 0; i < 1000; i++) inputs.push(compose(zeroChecked(7), digits(13)));
    for (let i = 0; i < 1000; i++) inputs.push(compose(digits(7), zeroChecked(13)));
    for (let i = 0; i < 1000; i++) inputs.push(compose(zeroChecked(7), zeroChecked(13)));
    for (let i = 0; i < 500; i++) inputs.push(compose(`000${digits(4)}`, digits(13))); // CVUs
    for (let i = 0; i < 5000; i++) inputs.push(digits(22));
    for (let i = 0; i < 4000; i++) {
      const number = valid();
      const at = Math.floor(next() * 22);
      const digit = (Number(number[at]) + 1 + Math.floor(next() * 9)) % 10;
      inputs.push(number.slice(0, at) + digit + number.slice(at + 1));
    }
    for (let i = 0; i < 1000; i++) {
      const number = valid();
      const at = Math.floor(next() * 21);
      inputs.push(number.slice(0, at) + number[at + 1] + number[at] + number.slice(at + 2));
    }
    for (let i = 0; i < 700; i++) inputs.push(digits([18, 21, 23][i % 3]!));
    for (let i = 0; i < 500; i++) {
      const number = valid();
      const at = Math.floor(next() * 22);
      inputs.push(number.slice(0, at) + 'x' + number.slice(at + 1));
    }
    for (let i = 0; i < 300; i++) {
      const number = valid();
      inputs.push(`${number.slice(0, 8)}${i % 2 ? ' ' : '-'}${number.slice(8)}`);
    }
    expect(inputs).toHaveLength(20_000);

    const python = spawnSync(PYTHON, ['-c', VERDICTS_PY], { input: `${inputs.join('\n')}\n`, encoding: 'utf8', maxBuffer: 64 << 20 });
    expect(python.status, python.stderr).toBe(0);
    const theirs = python.stdout.split('\n').slice(0, -1);
    expect(theirs).toHaveLength(inputs.length);

    const disagreements = inputs
      .map((number, i) => ({ number, ours: ourVerdict(number), theirs: theirs[i] }))
      .filter((v) => v.ours !== v.theirs);
    expect(disagreements.slice(0, 20)).toEqual([]);

    // The comparison covered every kind of verdict, check digit 0 included.
    const count = (verdict: string): number => theirs.filter((v) => v === verdict).length;
    expect(count('ok')).toBeGreaterThan(8000);
    expect(count('checksum')).toBeGreaterThan(8000);
    expect(count('length')).toBe(700);
    expect(count('format')).toBe(500);
    const zeroChecks = inputs.filter((n, i) => theirs[i] === 'ok' && (n[7] === '0' || n[21] === '0')).length;
    expect(zeroChecks).toBeGreaterThan(3000);
  });
});
