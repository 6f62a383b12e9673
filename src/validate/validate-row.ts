import { formatMinor } from '../domain/money.ts';
import type { Account, CanonicalField, CheckedRow, PayoutRow, RawCell, RawRow } from '../domain/payout-row.ts';
import { CANONICAL_FIELDS } from '../domain/payout-row.ts';
import type { Currency, ProviderId } from '../domain/provider-id.ts';
import type { IssueCode, RowIssue } from '../domain/row-issue.ts';
import { isWarning } from '../domain/row-issue.ts';
import { isOrderIdPrecisionLost } from './precision-lost.ts';
import { aliasProblem } from './alias.ts';
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

/** A value quoted for a message, cut short so that a pasted paragraph does not flood the results file. */
function quote(text: string): string {
  const chars = [...text];
  return JSON.stringify(chars.length > 40 ? `${chars.slice(0, 40).join('')}…` : text);
}

/** "openpay, conekta, digitalfemsa or zenrise", for messages. */
const PROVIDER_LIST = ((ids) => `${ids.slice(0, -1).join(', ')} or ${ids.at(-1)}`)(providerModules().map((descriptor) => descriptor.id));

const FIELD_ORDER = new Map<string, number>(CANONICAL_FIELDS.map((field, i) => [field, i]));

/** How the order_id is called in messages: what it becomes at the provider. */
function keyNameOf(provider: ProviderId | undefined): string {
  return provider === undefined ? 'order_id' : `order_id (${getProviderModule(provider).keyName} at ${provider})`;
}

function byFieldOrder(a: RowIssue, b: RowIssue): number {
  return (FIELD_ORDER.get(a.field ?? '') ?? 99) - (FIELD_ORDER.get(b.field ?? '') ?? 99);
}

function reportIssue(issues: RowIssue[], raw: RawRow, ctx: ValidateContext, field: CanonicalField, code: IssueCode, message: string): void {
  const column = ctx.columns[field];
  issues.push({
    code,
    severity: isWarning(code) ? 'warning' : 'error',
    row: raw.row,
    field,
    ...(column === undefined ? {} : { column }),
    message,
  });
}

/** Free text without its control characters; CONTROL_CHARACTERS_REMOVED (a warning) on the row when any were there. */
function withoutControls(issues: RowIssue[], raw: RawRow, ctx: ValidateContext, field: 'name' | 'description', text: string): string {
  if (!hasControlCharacters(text)) return text;
  const stripped = stripControlCharacters(text);
  if (!stripped.removed) return text;
  reportIssue(issues, raw, ctx, field, 'CONTROL_CHARACTERS_REMOVED', `The ${field} held control characters (terminal escape sequences, BEL, …); they were removed.`);
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
      `Provider ${quote(providerText)} is not one we pay through: use ${PROVIDER_LIST}, or leave the cell empty to use the --provider of the run.`,
    );
  }
  const descriptor = provider === undefined ? undefined : getProviderModule(provider);
  const rules = descriptor?.rules;
  const providerCurrency = descriptor?.currency;

  // order_id: the row's identity at the provider and in the ledger.
  const orderId = trimmed(raw.cells.order_id);
  const orderIdCell = raw.cells.order_id;
  if (orderId === '') {
    reportIssue(issues, raw, ctx, 'order_id', 'ORDER_ID_MISSING', `The ${keyNameOf(provider)} is empty: every row needs its own order_id, which keeps it from being paid twice.`);
  } else if (orderIdCell !== undefined && isOrderIdPrecisionLost(orderIdCell)) {
    reportIssue(
      issues,
      raw,
      ctx,
      'order_id',
      'ORDER_ID_PRECISION_LOST',
      `The ${keyNameOf(provider)} ${quote(orderId)} was stored by Excel as a number and has lost digits, so two rows could end up with the same order_id. Format the column as Text and type the order_id again.`,
    );
  } else if (rules !== undefined && longerThan(orderId, rules.orderIdMax)) {
    reportIssue(issues, raw, ctx, 'order_id', 'ORDER_ID_TOO_LONG', `The ${keyNameOf(provider)} has ${length(orderId)} characters; at most ${rules.orderIdMax} are allowed.`);
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
        `Currency ${quote(currencyText)} is not recognised: write MXN or ARS${providerCurrency ? `, "$", or leave the cell empty for ${providerCurrency}` : ' ("$" needs the row\'s provider)'}.`,
      );
    } else if (provider !== undefined && namedCurrency !== providerCurrency) {
      currency = undefined;
      reportIssue(issues, raw, ctx, 'currency', 'CURRENCY_UNSUPPORTED', `${provider} pays only in ${providerCurrency}, not ${namedCurrency}.`);
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
    reportIssue(issues, raw, ctx, 'amount', amount.code, amountMessage(amount.code, amountText, style));
  } else if (rules?.wholePesos && amount.minor % 100 !== 0) {
    reportIssue(
      issues,
      raw,
      ctx,
      'amount',
      'AMOUNT_NOT_WHOLE_PESOS',
      `${provider} pays whole pesos only; ${formatMinor(amount.minor)} has centavos. Round it to whole pesos.`,
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
          `CLABE ${maskedAccount}: bank code ${bankCode} is not in the bank catalog. The check digit is right; make sure the bank is correct.`,
        );
      } else if (checked.warning === 'TEST_ACCOUNT') {
        reportIssue(issues, raw, ctx, 'account', 'TEST_ACCOUNT', `${maskedAccount} is a Zenrise DEV test account: accepted for ${ctx.target}, never paid live.`);
      }
    } else {
      reportIssue(issues, raw, ctx, 'account', checked.code, accountMessage(checked.code, raw.cells.account?.text ?? '', maskedAccount ?? '', rules.account, ctx.target));
    }
  }

  // Holder / customer name. Control characters (ESC sequences, BEL, C1) are removed before anything else sees it.
  const name = withoutControls(issues, raw, ctx, 'name', trimmed(raw.cells.name));
  if (rules?.nameRequired && name === '') {
    reportIssue(issues, raw, ctx, 'name', 'NAME_MISSING', `${provider} needs the ${rules.account === 'none' ? "customer's" : "account holder's"} name.`);
  } else if (rules?.nameMax !== undefined && longerThan(name, rules.nameMax)) {
    reportIssue(issues, raw, ctx, 'name', 'NAME_TOO_LONG', `The name has ${length(name)} characters; ${provider} accepts at most ${rules.nameMax}.`);
  }

  const email = trimmed(raw.cells.email);
  if (rules?.email === 'required' && email === '') {
    reportIssue(issues, raw, ctx, 'email', 'EMAIL_MISSING', `${provider} needs the customer's email: the cash-out reference is sent there.`);
  } else if ((rules?.email === 'required' || rules?.email === 'optional') && email !== '' && !checkEmail(email).ok) {
    reportIssue(issues, raw, ctx, 'email', 'EMAIL_INVALID', `${quote(email)} is not a valid email address.`);
  }

  const description = withoutControls(issues, raw, ctx, 'description', trimmed(raw.cells.description));
  if (rules?.description !== undefined && longerThan(description, rules.description.max)) {
    const what = rules.description.code === 'REASON_TOO_LONG' ? 'reason' : 'description';
    reportIssue(
      issues,
      raw,
      ctx,
      'description',
      rules.description.code,
      `The ${what} has ${length(description)} characters; ${provider} accepts at most ${rules.description.max}.`,
    );
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

function amountMessage(code: AmountErrorCode, text: string, style: Currency): string {
  const example = style === 'MXN' ? '1,234.56' : '1.234,56';
  switch (code) {
    case 'AMOUNT_MISSING':
      return 'The amount is empty.';
    case 'AMOUNT_FORMAT':
      return style === 'ARS'
        ? `Amount ${quote(text)} is not an ARS amount like ${example}. Write the decimals out (1.500,00, not 1.500, which could mean 1.5 or 1500).`
        : `Amount ${quote(text)} is not an MXN amount like ${example} (comma for thousands, point for decimals).`;
    case 'AMOUNT_NOT_POSITIVE':
      return `Amount ${quote(text)} must be greater than zero.`;
    case 'AMOUNT_DECIMALS':
      return `Amount ${quote(text)} has more than 2 decimals; payouts are in whole centavos.`;
    case 'AMOUNT_TOO_LARGE':
      return `Amount ${quote(text)} is above the ${formatMinor(MAX_AMOUNT_MINOR)} limit; check the separators.`;
    case 'AMOUNT_IS_DATE':
      return `The amount cell holds a date (${quote(text)}): Excel turned the number into a date. Format the column as Number or Text and type the amount again.`;
  }
}

function accountMessage(
  code: AccountErrorCode,
  rawText: string,
  masked: string,
  kind: 'clabe' | 'cbu-cvu-alias',
  target: ValidateContext['target'],
): string {
  const digitCount = rawText.replace(/[\s-]/g, '').length;
  switch (code) {
    case 'ACCOUNT_MISSING':
      return kind === 'clabe' ? 'The account (18-digit CLABE) is empty.' : 'The account (CBU, CVU or alias) is empty.';
    case 'ACCOUNT_PRECISION_LOST':
      return `Account ${masked} was stored by Excel as a number, which keeps only 15 digits and drops leading zeros, so the real account is lost. Format the account column as Text and type the account again.`;
    case 'CLABE_NOT_DIGITS':
      return `Account ${masked} is not a CLABE: a CLABE has 18 digits only.`;
    case 'CLABE_LENGTH':
      return digitCount === 22
        ? `Account ${masked} has 22 digits, like an Argentine CBU/CVU; Mexican providers pay to an 18-digit CLABE.`
        : `Account ${masked} has ${digitCount} digits; a CLABE has 18.`;
    case 'CLABE_CHECKSUM':
      return `CLABE ${masked} has a wrong check digit (last digit): a digit is mistyped somewhere.`;
    case 'CBU_NOT_DIGITS':
      return `Account ${masked} is not a CBU/CVU: it has 22 digits only.`;
    case 'CBU_LENGTH':
      return digitCount === 18
        ? `Account ${masked} has 18 digits, like a Mexican CLABE; Zenrise pays to a 22-digit CBU/CVU or an alias.`
        : `Account ${masked} has ${digitCount} digits; a CBU/CVU has 22.`;
    case 'CBU_CHECKSUM':
      return target === 'live'
        ? `CBU/CVU ${masked} has a wrong check digit (8th or 22nd digit): a digit is mistyped somewhere. Zenrise DEV test accounts are not accepted live.`
        : `CBU/CVU ${masked} has a wrong check digit (8th or 22nd digit): a digit is mistyped somewhere.`;
    case 'ALIAS_FORMAT':
      // An alias is public: shown as typed (masked only when it reads like a mistyped CBU/CVU, see maskAccountText).
      return masked === rawText.trim() && /\p{L}/u.test(masked)
        ? `Alias ${JSON.stringify(masked)} ${aliasProblem(masked)}: an alias is 6 to 20 letters (a–z, no ñ or accents), digits, "." or "-".`
        : `Account ${masked} is neither a 22-digit CBU/CVU nor an alias (6 to 20 letters, digits, "." or "-").`;
  }
}
