/**
 * What a provider needs of a row, beyond what every row needs; each provider's own values are in its module
 * (providers/<p>/<p>-rules.ts). Lengths count characters (code points).
 */
export interface ProviderRules {
  /** What the account column must hold: a CLABE, a CBU/CVU or alias, or nothing (cash-out needs no account). */
  account: 'clabe' | 'cbu-cvu-alias' | 'none';
  /** Longest order_id the provider stores as the row's reference. */
  orderIdMax: number;
  nameRequired: boolean;
  nameMax?: number;
  /** required: must be present and valid; optional: checked when present; unused: not sent, not checked. */
  email: 'required' | 'optional' | 'unused';
  /** Longest description, and the code to report, when the provider sends the description. */
  description?: { max: number; code: 'DESCRIPTION_TOO_LONG' | 'REASON_TOO_LONG' };
  /** The amount must be whole pesos (in cents it ends in 00). */
  wholePesos: boolean;
  /**
   * Account numbers the provider publishes as test data, which fail the check digits on purpose: accepted, with
   * TEST_ACCOUNT, on every target but live.
   */
  isTestAccount?: (digits: string) => boolean;
}
