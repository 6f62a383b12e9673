import type { WorkbookLang } from '../report/workbook-language.ts';
import { isMessageCode, renderMessage, type MessagePart } from './message-catalogue.ts';

/**
 * A row's error_message or note as the ledger and the results rows carry it until a file is written: either the
 * catalogue's parts (code + params, written in the file's language when the cell is made) or plain text (a ledger
 * written before messages were kept this way, or a text with no code). The parts are JSON behind one marker
 * character that no provider text or message starts with; a text that starts with it but does not parse is shown
 * as it is.
 */
const MARK = '\u241e'; // ␞ SYMBOL FOR RECORD SEPARATOR

/** Parts joined as one stored text; '' for none. */
export function storedMessage(parts: readonly MessagePart[] | MessagePart): string {
  const list = Array.isArray(parts) ? parts : [parts as MessagePart];
  return list.length === 0 ? '' : `${MARK}${JSON.stringify(list)}`;
}

/** The parts of a stored text, or undefined when it is plain text. */
export function messageParts(stored: string | undefined): MessagePart[] | undefined {
  if (stored === undefined || !stored.startsWith(MARK)) return undefined;
  try {
    const parts: unknown = JSON.parse(stored.slice(MARK.length));
    if (Array.isArray(parts) && parts.every((p) => typeof p === 'object' && p !== null && typeof (p as MessagePart).code === 'string')) return parts as MessagePart[];
  } catch {
    // Not ours after all: shown as it is.
  }
  return undefined;
}

/** A stored text as people read it in `lang`: each part's sentence, joined with "; ". Plain text as it is. */
export function messageText(stored: string | undefined, lang: WorkbookLang): string {
  if (stored === undefined || stored === '') return '';
  if (stored.charCodeAt(0) !== 0x241e) return stored;
  const parts = messageParts(stored);
  return parts === undefined ? stored : parts.map((part) => renderMessage(part, lang)).join('; ');
}

/** Each part's text of a stored message in `lang` (plain text: one entry). */
export function messageTexts(stored: string | undefined, lang: WorkbookLang): string[] {
  if (stored === undefined || stored === '') return [];
  const parts = messageParts(stored);
  return parts === undefined ? [stored] : parts.map((part) => renderMessage(part, lang));
}

/**
 * Row issues (domain/row-issue.ts) as one stored text: their parts, or, when one came without its params (an issue
 * kept by an older review store), their English messages as plain text.
 */
export function issuesStoredText(issues: readonly { code: string; params?: MessagePart['params']; message: string }[]): string {
  if (issues.length === 0) return '';
  if (issues.some((issue) => issue.params === undefined || !isMessageCode(issue.code))) return issues.map((issue) => issue.message).join('; ');
  return storedMessage(issues.map((issue) => ({ code: issue.code as MessagePart['code'], params: issue.params! })));
}
