import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROVIDER_IDS } from '../domain/provider-id.ts';

/**
 * A provider's knowledge lives in its module (providers/<p>/<p>.module.ts); everything else asks the registry.
 * This scan keeps it so: outside src/providers/ and src/simulator/ (the simulator is the four providers' APIs),
 * no source file may branch on a provider id or key a table by one. Tests and their support files are not
 * scanned: they name providers to exercise them.
 */
const SRC = fileURLToPath(new URL('../', import.meta.url));

/**
 * Files allowed to name a provider id in one of the shapes below, each with the reason. Keep this short: the fix
 * for a new entry is nearly always a field on ProviderModule.
 */
const EXCEPTIONS: Readonly<Record<string, string>> = {
  // The ids ProviderId is made of; registry.test.ts holds it equal to the registry's list.
  'domain/provider-id.ts': 'the ids themselves',
  // A cash-out payout's destination is its customer's email; the fingerprint asks the provider rather than the
  // account kind. It goes when the one payout fingerprint lands in domain/ (and reads account.kind).
};

const ID = `(?:${PROVIDER_IDS.join('|')})`;
const Q = `['"\`]`;
const SHAPES: ReadonlyArray<{ shape: string; pattern: RegExp }> = [
  { shape: 'switch case on a provider id', pattern: new RegExp(`\\bcase\\s+${Q}${ID}${Q}`) },
  // `openpay: …` as an object key, at the start of a line or after `{` / `,`: a table keyed by provider.
  { shape: 'table keyed by provider id', pattern: new RegExp(`(?:^|[{,])\\s*${Q}?${ID}${Q}?\\s*:(?!:)`, 'm') },
  { shape: 'list of provider ids', pattern: new RegExp(`${Q}${ID}${Q}\\s*,\\s*${Q}${ID}${Q}`) },
  { shape: 'comparison with a provider id', pattern: new RegExp(`[!=]==?\\s*${Q}${ID}${Q}|${Q}${ID}${Q}\\s*[!=]==?`) },
];

/** The code of a file without its comments, so that prose about a provider does not count. */
function codeOf(text: string): string {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:\\])\/\/.*$/gm, '$1');
}

function scannedFiles(): string[] {
  return readdirSync(SRC, { recursive: true, encoding: 'utf8' })
    .map((path) => path.split('\\').join('/'))
    .filter((path) => /\.(?:ts|mjs)$/.test(path))
    .filter((path) => !path.startsWith('providers/') && !path.startsWith('simulator/'))
    .filter((path) => !/\.test\.ts$/.test(path) && !path.split('/').includes('test-support') && !path.endsWith('test-support.ts'))
    .sort();
}

function findings(path: string, text: string): string[] {
  const code = codeOf(text);
  const found: string[] = [];
  for (const { shape, pattern } of SHAPES) {
    for (const [i, line] of code.split('\n').entries()) {
      if (pattern.test(line)) found.push(`${path}:${i + 1} ${shape}: ${line.trim()}`);
    }
  }
  return found;
}

describe('provider knowledge stays in the provider modules', () => {
  it('scans the source tree (a wrong root would pass vacuously)', async () => {
    const files = scannedFiles();
    expect(files).toContain('validate/validate-row.ts');
    expect(files).toContain('commands/shared/check-file.ts');
    expect(files.some((path) => path.startsWith('providers/'))).toBe(false);
  });

  it('no file outside src/providers and src/simulator branches on a provider id or keys a table by one', async () => {
    const offending = scannedFiles()
      .filter((path) => !Object.hasOwn(EXCEPTIONS, path))
      .flatMap((path) => findings(path, readFileSync(SRC + path, 'utf8')));
    expect(offending).toEqual([]);
  });

  it('every exception still needs its exception', async () => {
    for (const path of Object.keys(EXCEPTIONS)) {
      expect(findings(path, readFileSync(SRC + path, 'utf8')), path).not.toEqual([]);
    }
  });

  it.each([
    ["  case 'zenrise':", 'switch case on a provider id'],
    ['const FEES = { openpay: 1, conekta: 2 };', 'table keyed by provider id'],
    ["  digitalfemsa: 'Retiro en efectivo OXXO',", 'table keyed by provider id'],
    ["const ids = ['openpay', 'conekta'];", 'list of provider ids'],
    ["if (p.provider === 'zenrise') return;", 'comparison with a provider id'],
  ])('recognises %j', (line, shape) => {
    expect(findings('x.ts', line)).toEqual([`x.ts:1 ${shape}: ${line.trim()}`]);
  });

  it.each([
    '// openpay: the doc says so',
    ' * zenrise: no listing endpoint',
    "const module = getProviderModule('openpay');",
    "const text = x ? 'openpay' : 'other';",
    'provider: ProviderId;',
  ])('lets %j pass', (line) => {
    expect(findings('x.ts', line)).toEqual([]);
  });
});
