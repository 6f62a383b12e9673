import type { Minor } from '../domain/money.ts';
import type { Currency } from '../domain/provider-id.ts';

/**
 * `"approval"` in the config file, for `payout-batch serve`:
 *   {"approval": {"rules": [{"above": "50000.00", "currency": "MXN", "approvers": 2}],
 *                 "limits": {"ana": {"MXN": "250000.00"}}}}
 * rules: a batch whose total to pay in `currency` is above `above` needs `approvers` distinct approvers (the highest
 * matching rule wins; without a matching rule, one). limits: an approver may approve a batch only up to that total
 * per currency. The uploader never approves their own batch, whatever the rules say.
 */
export interface ApprovalRule {
  aboveMinor: Minor;
  currency: Currency;
  approvers: number;
}

export interface ApprovalConfig {
  rules: ApprovalRule[];
  /** Per user name, per currency: the largest batch total they may approve. */
  limits: Record<string, Partial<Record<Currency, Minor>>>;
}

const CURRENCIES: readonly Currency[] = ['MXN', 'ARS'];

export function parseApprovalConfig(raw: unknown, where: string, errors: string[], parseDecimal: (value: unknown, scale: number) => number | undefined): ApprovalConfig {
  const config: ApprovalConfig = { rules: [], limits: {} };
  if (!isObject(raw)) {
    errors.push(`${where}: "approval" must be an object with "rules" and/or "limits"`);
    return config;
  }
  for (const key of Object.keys(raw)) if (key !== 'rules' && key !== 'limits') errors.push(`${where}: approval: unknown key "${key}" (expected rules, limits)`);
  if (raw.rules !== undefined) {
    if (!Array.isArray(raw.rules)) errors.push(`${where}: approval.rules must be a list`);
    else {
      raw.rules.forEach((rule: unknown, i) => {
        const at = `${where}: approval.rules[${i}]`;
        if (!isObject(rule)) return void errors.push(`${at} must be an object {above, currency, approvers}`);
        for (const key of Object.keys(rule)) if (!['above', 'currency', 'approvers'].includes(key)) errors.push(`${at}: unknown key "${key}"`);
        const aboveMinor = parseDecimal(rule.above, 2);
        if (aboveMinor === undefined) errors.push(`${at}.above must be a decimal string like "50000.00"`);
        if (!CURRENCIES.includes(rule.currency as Currency)) errors.push(`${at}.currency must be one of ${CURRENCIES.join(', ')}`);
        const approvers = rule.approvers;
        if (typeof approvers !== 'number' || !Number.isInteger(approvers) || approvers < 1 || approvers > 10) errors.push(`${at}.approvers must be a whole number from 1 to 10`);
        if (aboveMinor !== undefined && CURRENCIES.includes(rule.currency as Currency) && typeof approvers === 'number') {
          config.rules.push({ aboveMinor: aboveMinor as Minor, currency: rule.currency as Currency, approvers });
        }
      });
    }
  }
  if (raw.limits !== undefined) {
    if (!isObject(raw.limits)) errors.push(`${where}: approval.limits must be an object {user: {currency: amount}}`);
    else {
      for (const [user, perCurrency] of Object.entries(raw.limits)) {
        if (!isObject(perCurrency)) {
          errors.push(`${where}: approval.limits.${user} must be an object {currency: amount}`);
          continue;
        }
        const limits: Partial<Record<Currency, Minor>> = {};
        for (const [currency, amount] of Object.entries(perCurrency)) {
          const minor = parseDecimal(amount, 2);
          if (!CURRENCIES.includes(currency as Currency)) errors.push(`${where}: approval.limits.${user}: unknown currency "${currency}"`);
          else if (minor === undefined) errors.push(`${where}: approval.limits.${user}.${currency} must be a decimal string like "250000.00"`);
          else limits[currency as Currency] = minor as Minor;
        }
        config.limits[user] = limits;
      }
    }
  }
  return config;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
