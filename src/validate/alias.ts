export type AliasCheck = { ok: true; alias: string } | { ok: false; code: 'ALIAS_FORMAT' };

/** BCRA alias CBU/CVU: 6 to 20 characters, each a letter (a–z, A–Z), a digit, `.` or `-`. */
const ALIAS_FORM = /^[A-Za-z0-9.-]{6,20}$/;

/** Checks an alias CBU/CVU as given (trimmed); aliases are public by design, so the value is kept as is. */
export function checkAlias(raw: string): AliasCheck {
  const alias = raw.trim();
  return ALIAS_FORM.test(alias) ? { ok: true, alias } : { ok: false, code: 'ALIAS_FORMAT' };
}

/**
 * Why an alias is refused, as data for the message (messages/message-catalogue.ts ALIAS_FORMAT): its length when
 * outside 6 to 20, a space, or the first character an alias cannot hold.
 */
export function aliasProblemOf(raw: string): { problem: 'length'; length: number } | { problem: 'space' } | { problem: 'character'; character: string } | { problem: 'other' } {
  const alias = raw.trim();
  const length = [...alias].length;
  if (length < 6 || length > 20) return { problem: 'length', length };
  const bad = [...alias].find((ch) => !/[A-Za-z0-9.-]/.test(ch));
  if (bad === undefined) return { problem: 'other' };
  return bad === ' ' ? { problem: 'space' } : { problem: 'character', character: bad };
}

/** Why an alias is refused, in words an operator can fix it with ("has 5 characters", "has a space"). */
export function aliasProblem(raw: string): string {
  const alias = raw.trim();
  const length = [...alias].length;
  if (length < 6 || length > 20) return `has ${length} character${length === 1 ? '' : 's'}; an alias has 6 to 20`;
  const bad = [...alias].find((ch) => !/[A-Za-z0-9.-]/.test(ch));
  if (bad === undefined) return 'is not an alias';
  return bad === ' ' ? 'has a space' : `has ${JSON.stringify(bad)}, which an alias cannot hold`;
}
