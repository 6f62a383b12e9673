/**
 * Control characters in free text (a name, a description) are never passed on: an ESC sequence in results.csv or
 * run.log recolours, retitles or rewrites the terminal of whoever `cat`s it, a BEL rings, and a provider may store
 * or reject them. Removed: C0 controls except tab, LF and CR (escaped and quoted by the writers), DEL, and the C1
 * controls U+0080–U+009F; a whole ANSI escape sequence (CSI `ESC [ … final`, OSC `ESC ] … BEL|ESC \`, the 8-bit
 * CSI U+009B and OSC U+009D forms) goes at once, so no `[31m` debris is left.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ESCAPE_SEQUENCE = /(?:\u001b\[|\u009b)[0-?]*[ -/]*[@-~]|(?:\u001b\]|\u009d)[^\u0007\u001b\u009c]*(?:\u0007|\u001b\\|\u009c)|\u001b[@-Z\\-_]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g;
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const ANY_CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/;

/** Whether `text` holds a control character stripControlCharacters removes; printable ASCII is settled by a scan. */
export function hasControlCharacters(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c >= 0x7f) return ANY_CONTROL.test(text);
  }
  return false;
}

/** `text` without its control characters, and whether any were removed. */
export function stripControlCharacters(text: string): { text: string; removed: boolean } {
  if (!ANY_CONTROL.test(text)) return { text, removed: false };
  return { text: text.replace(ESCAPE_SEQUENCE, '').replace(CONTROL, ''), removed: true };
}
