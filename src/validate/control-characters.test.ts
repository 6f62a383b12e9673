import { describe, expect, it } from 'vitest';
import { stripControlCharacters } from './control-characters.ts';

describe('stripControlCharacters', () => {
  it.each([
    ['Juan\u001b[31m Pérez\u001b[0m', 'Juan Pérez'],
    ['Ana\u0007 López', 'Ana López'],
    ['\u001b]0;pwned\u0007María', 'María'],
    ['\u001b]8;;http://evil.example\u001b\\click\u001b]8;;\u001b\\', 'click'],
    ['a\u0000b\u0008c\u007fd', 'abcd'],
    ['C1\u0085\u009b31mx\u009fy', 'C1xy'],
    ['bare ESC\u001b', 'bare ESC'],
  ])('removes the controls of %j', (text, expected) => {
    expect(stripControlCharacters(text)).toEqual({ text: expected, removed: true });
  });

  it.each([['José Peña'], ['tab\tand\nline\rbreaks'], ['Ñandú 😀'], ['']])('leaves %j as is', (text) => {
    expect(stripControlCharacters(text)).toEqual({ text, removed: false });
  });

  it('leaves no C0 (but tab, LF, CR), DEL or C1 character, for any mix', () => {
    for (let c = 0; c <= 0xa0; c++) {
      const { text } = stripControlCharacters(`a${String.fromCharCode(c)}é`);
      const allowed = c === 9 || c === 10 || c === 13 || (c >= 0x20 && c < 0x7f) || c === 0xa0;
      expect(text.length, `U+${c.toString(16)}`).toBe(allowed ? 3 : 2);
    }
  });
});
