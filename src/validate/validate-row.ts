import { formatMinor } from '../domain/money.ts';
import type { Account, CanonicalField, CheckedRow, PayoutRow, RawCell, RawRow } from '../domain/payout-row.ts';
import { CANONICAL_FIELDS } from '../domain/payout-row.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import type { IssueCode, RowIssue } from '../domain/row-issue.ts';
import { renderMessage, type MessageParams } from '../messages/message-catalogue.ts';
import { isWarning } from '../domain/row-issue.ts';
import { isOrderIdPrecisionLost } from './precision-lost.ts';
import { aliasProblemOf } from './alias.ts';
import { checkAccount, maskAccountText, type AccountErrorCode } from './check-account.ts';
import { checkEmail } from './email.ts';
import { MAX_AMOUNT_MINOR, parseAmountCell, type AmountErrorCode } from './parse-amount.ts';
import { parseCurrency } from './parse-currency.ts';
import { getProviderModule, providerModules } from '../providers/registry.ts';
import { hasControlCharacters, stripControlCharacters } from './control-characters.ts';
import { parseProviderName } from './provider-name.ts';

export interface ValidateContext {
  /** --provider; a `provider` column overrides it per row. Absent when every row must name its own. */
  defaultProvider: ProviderId | undefined;
  /** Zenrise DEV test accounts are accepted only when not live. */
  target: 'simulator' | 'sandbox' | 'live';
  /** field → header text, to fill RowIssue.column. */
  columns: Partial<Record<CanonicalField, string>>;
}

/** Digital FEMSA cash-out rows have no bank account: the destination is the customer who collects, by email. */
export function cashOutAccount(email: string | undefined): Account {
  return { kind: 'cash_out', email: (email ?? '').trim() };
}

/** Character count as a person sees it (code points), which is what the providers' length limits mean. */
function length(text: string): number {
  let count = text.length;
  // A surrogate pair is one character in two UTF-16 units; counting the high halves avoids an array per cell.
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        count--;
        i++;
      }
    }
  }
  return count;
}

/** length(text) > max, without counting when the UTF-16 length already settles it (code points ≤ units). */
const longerThan = (text: string, max: number): boolean => text.length > max && length(text) > max;

/** A value as a message shows it, cut short so that a pasted paragraph does not flood the results file. */
function quote(text: string): string {
  const chars = [...text];
  return chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : text;
}

/** "openpay,conekta,digitalfemsa,zenrise": the providers a PROVIDER_UNKNOWN message lists. */
const PROVIDER_LIST = providerModules()
  .map((descriptor) => descriptor.id)
  .join(',');

const FIELD_ORDER = new Map<string, number>(CANONICAL_FIELDS.map((field, i) => [field, i]));

/** How the order_id is called in messages: what it becomes at the provider (message-catalogue.ts orderKey). */
function keyNameOf(provider: ProviderId | undefined): MessageParams {
  return provider === undefined ? {} : { provider, keyName: getProviderModule(provider).keyName };
}

function byFieldOrder(a: RowIssue, b: RowIssue): number {
  return (FIELD_ORDER.get(a.field ?? '') ?? 99) - (FIELD_ORDER.get(b.field ?? '') ?? 99);
}

function reportIssue(issues: RowIssue[], raw: RawRow, ctx: ValidateContext, field: CanonicalField, code: IssueCode, params: MessageParams): void {
  const column = ctx.columns[field];
  issues.push({
    code,
    severity: isWarning(code) ? 'warning' : 'error',
    row: raw.row,
    field,
    ...(column === undefined ? {} : { column }),
    params,
    message: renderMessage({ code, params }, 'en'),
  });
}

/** Free text without its control characters; CONTROL_CHARACTERS_REMOVED (a warning) on the row when any were there. */
function withoutControls(issues: RowIssue[], raw: RawRow, ctx: ValidateContext, field: 'name' | 'description', text: string): string {
  if (!hasControlCharacters(text)) return text;
  const stripped = stripControlCharacters(text);
  if (!stripped.removed) return text;
  reportIssue(issues, raw, ctx, field, 'CONTROL_CHARACTERS_REMOVED', { field });
  return stripped.text.trim();
}

/** A cell's text, trimmed; '' for an absent cell. Called with `raw.cells.<field>`: a fixed property, not a keyed lookup. */
function trimmed(cell: RawCell | undefined): string {
  return cell === undefined ? '' : cell.text.trim();
}

/**
 * Validates one row for its provider (the `provider` cell, else ctx.defaultProvider) and returns every problem
 * found together, in CANONICAL_FIELDS order: status 'invalid' when any is an error, else 'valid' with the canonical
 * payout. Warnings (BANK_UNKNOWN, TEST_ACCOUNT, CONTROL_CHARACTERS_REMOVED) leave the row valid. Texts are trimmed; accounts never appear
 * unmasked in messages or in `input`. `input.provider` is the provider cell as given, or the default when empty.
 * Digital FEMSA rows need no account; an account cell on such a row is ignored.
 *
 * When the provider cell names no known provider, only what does not depend on the provider is checked
 * (order_id present, amount readable), since the account type, currency and limits are the provider's.
 */
export function validateRow(raw: RawRow, ctx: ValidateContext): CheckedRow {
  // Plain functions over (issues, raw, ctx) rather than closures made per row: this runs a million times a file.
  const issues: RowIssue[] = [];

  // Provider: routes the row, so it decides every rule below.
  const providerText = trimmed(raw.cells.provider);
  const provider: ProviderId | undefined = providerText === '' ? ctx.defaultProvider : parseProviderName(providerText);
  if (provider === undefined) {
    reportIssue(
      issues,
      raw,
      ctx,
      'provider',
      'PROVIDER_UNKNOWN',
      { value: quote(providerText), providers: PROVIDER_LIST },
    );
  }
  const descriptor = provider === undefined ? undefined : getProviderModule(provider);
  const rules = descriptor?.rules;
  const providerCurrency = descriptor?.currency;

  // order_id: the row's identity at the provider and in the ledger.
  const orderId = trimmed(raw.cells.order_id);
  const orderIdCell = raw.cells.order_id;
  if (orderId === '') {
    reportIssue(issues, raw, ctx, 'order_id', 'ORDER_ID_MISSING', keyNameOf(provider));
  } else if (orderIdCell !== undefined && isOrderIdPrecisionLost(orderIdCell)) {
    reportIssue(
      issues,
      raw,
      ctx,
      'order_id',
      'ORDER_ID_PRECISION_LOST',
      { ...keyNameOf(provider), value: quote(orderId) },
    );
  } else if (rules !== undefined && longerThan(orderId, rules.orderIdMax)) {
    reportIssue(issues, raw, ctx, 'order_id', 'ORDER_ID_TOO_LONG', { ...keyNameOf(provider), length: length(orderId), max: rules.orderIdMax });
  }

  // Currency: optional; empty means the provider's own.
  const currencyText = trimmed(raw.cells.currency);
  // "$" is the peso of the provider's country (what MX and AR exports write); without a provider it names neither.
  const namedCurrency = currencyText === '' ? undefined : parseCurrency(currencyText, providerCurrency);
  let currency: Currency | undefined = providerCurrency;
  if (currencyText !== '') {
    if (namedCurrency === undefined) {
      currency = undefined;
      reportIssue(
        issues,
        raw,
        ctx,
        'currency',
        'CURRENCY_UNSUPPORTED',
        { value: quote(currencyText), ...(providerCurrency ? { providerCurrency } : {}) },
      );
    } else if (provider !== undefined && namedCurrency !== providerCurrency) {
      currency = undefined;
      reportIssue(issues, raw, ctx, 'currency', 'CURRENCY_UNSUPPORTED', { value: quote(currencyText), provider, providerCurrency: providerCurrency!, named: namedCurrency });
    } else {
      currency = namedCurrency;
    }
  }

  // Amount: read in the row's currency style; when the currency is unusable, in the provider's.
  // With no provider at all (an unknown name and no --provider), MXN's style: the amount is reported, never paid.
  const style: Currency = currency ?? providerCurrency ?? namedCurrency ?? (ctx.defaultProvider ? getProviderModule(ctx.defaultProvider).currency : 'MXN');
  const amountText = trimmed(raw.cells.amount);
  const amount = parseAmountCell(raw.cells.amount, style);
  if (!amount.ok) {
    reportIssue(issues, raw, ctx, 'amount', amount.code, amountParams(amount.code, amountText, style));
  } else if (rules?.wholePesos && amount.minor % 100 !== 0) {
    reportIssue(
      issues,
      raw,
      ctx,
      'amount',
      'AMOUNT_NOT_WHOLE_PESOS',
      { provider: provider!, amount: formatMinor(amount.minor) },
    );
  }

  // Account: its type is the provider's.
  const maskedAccount = maskAccountText(raw.cells.account, rules?.account ?? 'none');
  let account: Account | undefined;
  if (rules?.account === 'none') {
    account = cashOutAccount(trimmed(raw.cells.email));
  } else if (rules !== undefined) {
    const checked = checkAccount(raw.cells.account, rules.account, ctx.target === 'live' ? undefined : rules.isTestAccount);
    if (checked.ok) {
      account = checked.account;
      if (checked.warning === 'BANK_UNKNOWN') {
        const bankCode = checked.account.kind === 'clabe' ? checked.account.bankCode : '';
        reportIssue(
          issues,
          raw,
          ctx,
          'account',
          'BANK_UNKNOWN',
          { account: maskedAccount ?? '', bankCode },
        );
      } else if (checked.warning === 'TEST_ACCOUNT') {
        reportIssue(issues, raw, ctx, 'account', 'TEST_ACCOUNT', { account: maskedAccount ?? '', target: ctx.target });
      }
    } else {
      reportIssue(issues, raw, ctx, 'account', checked.code, accountParams(checked.code, raw.cells.account?.text ?? '', maskedAccount ?? '', rules.account, ctx.target));
    }
  }

  // Holder / customer name. Control characters (ESC sequences, BEL, C1) are removed before anything else sees it.
  const name = withoutControls(issues, raw, ctx, 'name', trimmed(raw.cells.name));
  if (rules?.nameRequired && name === '') {
    reportIssue(issues, raw, ctx, 'name', 'NAME_MISSING', { provider: provider!, cashOut: rules.account === 'none' });
  } else if (rules?.nameMax !== undefined && longerThan(name, rules.nameMax)) {
    reportIssue(issues, raw, ctx, 'name', 'NAME_TOO_LONG', { provider: provider!, length: length(name), max: rules.nameMax });
  }

  const email = trimmed(raw.cells.email);
  if (rules?.email === 'required' && email === '') {
    reportIssue(issues, raw, ctx, 'email', 'EMAIL_MISSING', { provider: provider! });
  } else if ((rules?.email === 'required' || rules?.email === 'optional') && email !== '' && !checkEmail(email).ok) {
    reportIssue(issues, raw, ctx, 'email', 'EMAIL_INVALID', { value: quote(email) });
  }

  const description = withoutControls(issues, raw, ctx, 'description', trimmed(raw.cells.description));
  if (rules?.description !== undefined && longerThan(description, rules.description.max)) {
    reportIssue(issues, raw, ctx, 'description', rules.description.code, { provider: provider!, length: length(description), max: rules.description.max });
  }

  const phone = trimmed(raw.cells.phone);

  if (issues.length > 1) issues.sort(byFieldOrder);

  const input: CheckedRow['input'] = { provider: providerText === '' ? ctx.defaultProvider : providerText };
  if (orderId !== '') input.orderId = orderId;
  if (amountText !== '') input.amount = amountText;
  if (currencyText !== '') input.currency = currencyText;
  if (maskedAccount !== undefined) input.account = maskedAccount;
  if (name !== '') input.name = name;

  const hasError = issues.some((issue) => issue.severity === 'error');
  if (hasError || provider === undefined || currency === undefined || !amount.ok || account === undefined) {
    return { row: raw.row, status: 'invalid', ...(provider !== undefined ? { provider } : {}), issues, input };
  }

  const payout: PayoutRow = { row: raw.row, provider, orderId, amountMinor: amount.minor, currency, account };
  if (name !== '') payout.name = name;
  if (email !== '') payout.email = email;
  if (phone !== '') payout.phone = phone;
  if (description !== '') payout.description = description;
  return { row: raw.row, status: 'valid', provider, payout, issues, input };
}

/** What an amount message needs: the cell as written (cut short), the currency style it was read in, the limit. */
function amountParams(code: AmountErrorCode, text: string, style: Currency): MessageParams {
  switch (code) {
    case 'AMOUNT_MISSING':
      return {};
    case 'AMOUNT_FORMAT':
      return { value: quote(text), currency: style };
    case 'AMOUNT_TOO_LARGE':
      return { value: quote(text), max: formatMinor(MAX_AMOUNT_MINOR) };
    default:
      return { value: quote(text) };
  }
}

/** What an account message needs: the account masked (an alias as typed), its digit count, the alias's problem. */
function accountParams(code: AccountErrorCode, rawText: string, masked: string, kind: 'clabe' | 'cbu-cvu-alias', target: ValidateContext['target']): MessageParams {
  switch (code) {
    case 'ACCOUNT_MISSING':
      return { kind };
    case 'CLABE_LENGTH':
    case 'CBU_LENGTH':
      return { account: masked, digits: rawText.replace(/[\s-]/g, '').length };
    case 'CBU_CHECKSUM':
      return target === 'live' ? { account: masked, live: true } : { account: masked };
    case 'ALIAS_FORMAT':
      // An alias is public: shown as typed (masked only when it reads like a mistyped CBU/CVU, see maskAccountText).
      return masked === rawText.trim() && /\p{L}/u.test(masked) ? { alias: masked, ...aliasProblemOf(masked) } : { account: masked };
    default:
      return { account: masked };
  }
}
