export type EmailCheck = { ok: true; email: string } | { ok: false; code: 'EMAIL_INVALID' };

/**
 * A deliberately plain address check: what a provider's form would accept, not the whole of RFC 5322. Local part:
 * letters, digits and !#$%&'*+/=?^_`{|}~- in dot-separated runs (no leading, trailing or double dot), at most 64
 * characters. Domain: at least two labels of letters, digits and inner hyphens, the last one 2+ letters.
 * ASCII only; 254 characters at most (RFC 5321 path limit).
 */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/** Checks an email address as given (trimmed); the case is kept, since the local part may be case-sensitive. */
export function checkEmail(raw: string): EmailCheck {
  const email = raw.trim();
  const at = email.lastIndexOf('@');
  if (at <= 0 || email.length > 254) return { ok: false, code: 'EMAIL_INVALID' };
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > 64 || !LOCAL_PART.test(local) || !DOMAIN.test(domain)) return { ok: false, code: 'EMAIL_INVALID' };
  return { ok: true, email };
}
