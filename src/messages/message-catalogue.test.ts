import { describe, expect, it } from 'vitest';
import { ERROR_CODES, WARNING_CODES } from '../domain/row-issue.ts';
import { WORKBOOK_LANGS } from '../report/workbook-language.ts';
import { validateRow } from '../validate/validate-row.ts';
import { MESSAGE_CODES, MESSAGES, renderMessage } from './message-catalogue.ts';
import { issuesStoredText, messageText, storedMessage } from './stored-message.ts';
import { everySample } from './test-support/sample-messages.ts';

describe('the message catalogue', () => {
  it('lists every row issue code once, and has no text for a code it does not list', () => {
    for (const code of [...ERROR_CODES, ...WARNING_CODES]) expect(MESSAGE_CODES, code).toContain(code);
    expect(new Set(MESSAGE_CODES).size).toBe(MESSAGE_CODES.length);
    expect(Object.keys(MESSAGES).sort()).toEqual([...MESSAGE_CODES].sort());
  });

  it('has a text in every workbook language for every code', () => {
    const missing = MESSAGE_CODES.flatMap((code) => WORKBOOK_LANGS.filter((lang) => typeof MESSAGES[code]?.[lang] !== 'function').map((lang) => `${code} ${lang}`));
    expect(missing).toEqual([]);
  });

  it.each(everySample())('$code: a whole sentence in each language, and not the same one', ({ code, params }) => {
    const texts = WORKBOOK_LANGS.map((lang) => renderMessage({ code, params }, lang));
    for (const text of texts) {
      expect(text.trim().length, code).toBeGreaterThan(10);
      // A param the sentence needs and the sample lacks shows as a gap or a placeholder.
      expect(text, code).not.toMatch(/undefined|NaN|\[object|\s{2}|\s[.,;:]|""|\(\)/);
    }
    expect(texts[0], code).not.toBe(texts[1]);
  });
});

describe('stored messages', () => {
  it('are written in the language asked for, joined with "; "', () => {
    const stored = storedMessage([
      { code: 'CLABE_CHECKSUM', params: { account: '012…7199' } },
      { code: 'AMOUNT_MISSING', params: {} },
    ]);
    expect(messageText(stored, 'es')).toBe('CLABE 012…7199 con dígito verificador incorrecto (el último dígito): hay un dígito mal escrito.; El importe está vacío.');
    expect(messageText(stored, 'en')).toBe('CLABE 012…7199 has a wrong check digit (last digit): a digit is mistyped somewhere.; The amount is empty.');
  });

  it('leave plain text (an older ledger, a provider text) and an unreadable one as they are', () => {
    expect(messageText('cuenta inexistente', 'en')).toBe('cuenta inexistente');
    expect(messageText('\u241e{not json', 'es')).toBe('\u241e{not json');
    expect(messageText('', 'es')).toBe('');
    expect(messageText(undefined, 'es')).toBe('');
    // A code a later build added shows as its code.
    expect(messageText('\u241e[{"code":"SOMETHING_NEW"}]', 'es')).toBe('SOMETHING_NEW');
  });

  it('keep an issue that came without its params as its English message', () => {
    expect(issuesStoredText([{ code: 'CLABE_CHECKSUM', message: 'CLABE 012…7199 has a wrong check digit' }])).toBe('CLABE 012…7199 has a wrong check digit');
    expect(issuesStoredText([])).toBe('');
  });
});

describe('row issues', () => {
  it('carry the data of their message, masked, and their English message', () => {
    const checked = validateRow(
      { row: 2, cells: { order_id: { text: 'P-1', type: 'text' }, account: { text: '012180001183597199', type: 'text' }, amount: { text: '10.00', type: 'text' }, name: { text: 'Ana', type: 'text' } } },
      { defaultProvider: 'openpay', target: 'simulator', columns: { account: 'clabe' } },
    );
    const issue = checked.issues.find((i) => i.code === 'CLABE_CHECKSUM')!;
    expect(issue.params).toEqual({ account: '012***********7199' });
    expect(issue.message).toBe(renderMessage({ code: 'CLABE_CHECKSUM', params: issue.params! }, 'en'));
    expect(renderMessage({ code: 'CLABE_CHECKSUM', params: issue.params! }, 'es')).toContain('dígito verificador incorrecto');
    expect(JSON.stringify(issue)).not.toContain('012180001183597199');
  });
});
