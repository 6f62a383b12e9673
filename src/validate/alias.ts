export type AliasCheck = { ok: true; alias: string } | { ok: false; code: 'ALIAS_FORMAT' };

/** BCRA alias CBU/CVU: 6 to 20 characters, each a letter (a–z, A–Z), a digit, `.` or `-`. */
const ALIAS_FORM = /^[A-Za-z0-9.-]{6,20}$/;

/** Checks an alias CBU/CVU as given (trimmed); aliases are public by design, so the value is kept as is. */
export function checkAlias(raw: string): AliasCheck {
  const alias = raw.trim();
  return ALIAS_FORM.test(alias) ? { ok: true, alias } : { ok: false, code: 'ALIAS_FORMAT' };
}
