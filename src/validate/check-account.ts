import { maskDigits } from '../domain/mask-account.ts';
import type { Account, RawCell } from '../domain/payout-row.ts';
import { isAccountPrecisionLost } from './precision-lost.ts';
import { checkAlias } from './alias.ts';
import { checkCbu, type CbuErrorCode } from './cbu-cvu.ts';
import { checkClabe, type ClabeErrorCode } from './clabe.ts';

export type AccountKind = 'clabe' | 'cbu-cvu-alias';
export type AccountErrorCode = ClabeErrorCode | CbuErrorCode | 'ALIAS_FORMAT';

export type AccountCheck =
  | { ok: true; account: Account; warning?: 'BANK_UNKNOWN' | 'TEST_ACCOUNT' }
  | { ok: false; code: AccountErrorCode };

/** Digits as people group them: spaces and hyphens are dropped before deciding what a cell holds. */
function stripGrouping(text: string): string {
  // Nearly every cell is bare digits: a scan for anything that could be a space or a hyphen (every \s is below
  // "!" or above ASCII) skips the regular expressions.
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= 0x20 || c === 0x2d || c >= 0x80) return text.replace(/[\s-]/g, '');
  }
  return text;
}

/**
 * Checks the account cell for a provider that pays to `kind`. Mexican providers take only a CLABE (so a 22-digit
 * CBU reports CLABE_LENGTH); Zenrise takes a CBU/CVU when the cell is all digits (so an 18-digit CLABE reports
 * CBU_LENGTH), otherwise an alias. A provider's published test numbers (Zenrise DEV) fail the BCRA check digits and
 * are accepted, with TEST_ACCOUNT, only when `isTestAccount` is given (any target but live) and says so.
 */
export function checkAccount(cell: RawCell | undefined, kind: AccountKind, isTestAccount?: (digits: string) => boolean): AccountCheck {
  const text = cell?.text.trim() ?? '';
  if (cell === undefined || text === '') return { ok: false, code: 'ACCOUNT_MISSING' };
  if (isAccountPrecisionLost(cell)) return { ok: false, code: 'ACCOUNT_PRECISION_LOST' };

  if (kind === 'clabe') {
    const clabe = checkClabe(text);
    if (!clabe.ok) return clabe;
    if (clabe.bankName === undefined) return { ok: true, account: { kind: 'clabe', number: clabe.clabe, bankCode: clabe.bankCode }, warning: 'BANK_UNKNOWN' };
    return { ok: true, account: { kind: 'clabe', number: clabe.clabe, bankCode: clabe.bankCode, bankName: clabe.bankName } };
  }

  const digits = stripGrouping(text);
  if (!/^\d+$/.test(digits)) {
    const alias = checkAlias(text);
    return alias.ok ? { ok: true, account: { kind: 'alias', alias: alias.alias } } : alias;
  }
  if (isTestAccount?.(digits)) {
    return { ok: true, account: { kind: digits.startsWith('000') ? 'cvu' : 'cbu', number: digits }, warning: 'TEST_ACCOUNT' };
  }
  const cbu = checkCbu(digits);
  return cbu.ok ? { ok: true, account: { kind: cbu.kind, number: cbu.number } } : cbu;
}

/**
 * The account cell as it may appear in messages and output files: an alias as is, valid or mistyped (aliases are
 * public by design, and a masked typo cannot be found), anything else — digits, a mistyped number, an exponent —
 * masked to its first 3 and last 4 characters.
 */
export function maskAccountText(cell: RawCell | undefined, kind: AccountKind | 'none'): string | undefined {
  const text = cell?.text.trim() ?? '';
  if (text === '') return undefined;
  const compact = stripGrouping(text);
  if (kind === 'cbu-cvu-alias' && cell?.type !== 'number' && !/^\d+$/.test(compact) && (checkAlias(text).ok || looksLikeAlias(compact))) return text;
  return maskDigits(compact);
}

/**
 * A mistyped alias, not a mistyped CBU/CVU: it has a letter and few digits (a CBU/CVU has 22; "285…520O", a
 * 22-digit number with an O for a 0, stays masked). Bounded, so a cell of anything at all is not echoed whole.
 */
function looksLikeAlias(compact: string): boolean {
  const digits = compact.replace(/\D/g, '').length;
  return /\p{L}/u.test(compact) && digits <= MAX_ALIAS_DIGITS_SHOWN && compact.length <= MAX_ALIAS_SHOWN;
}

const MAX_ALIAS_DIGITS_SHOWN = 8;
const MAX_ALIAS_SHOWN = 40;
