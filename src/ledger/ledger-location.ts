import { LedgerError } from './ledger-error.ts';

/**
 * Where a ledger lives, as --ledger, the config's "ledger" or $PAYOUT_BATCH_LEDGER give it: a SQLite file path, or a
 * PostgreSQL URL (postgres:// or postgresql://). Anything else that looks like a URL (a scheme of two or more letters
 * before a colon: mysql://, http://, file:…) is refused rather than taken as a file path — `postgres://…` used to
 * become a folder named `postgres:` in the working directory. A file whose name has such a colon is still reachable
 * as ./name.
 */
export type LedgerLocation =
  | { kind: 'sqlite'; path: string }
  /** `display` is the URL with its password masked: the only form that may be printed or logged. */
  | { kind: 'postgres'; url: string; display: string; password: string | undefined };

const SCHEME = /^([a-z][a-z0-9+.-]+):/i;

export function parseLedgerLocation(raw: string): LedgerLocation {
  const scheme = SCHEME.exec(raw)?.[1]?.toLowerCase();
  if (scheme === undefined) return { kind: 'sqlite', path: raw };
  if (scheme !== 'postgres' && scheme !== 'postgresql') {
    throw new LedgerError(
      'LEDGER_LOCATION_UNSUPPORTED',
      `ledger ${JSON.stringify(maskUrlPassword(raw))} is not supported: give a SQLite file path or a postgres:// URL (a file whose name holds a colon: write it as ./name)`,
      { scheme },
    );
  }
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw new LedgerError('LEDGER_LOCATION_UNSUPPORTED', `ledger ${JSON.stringify(maskUrlPassword(raw))} is not a valid PostgreSQL URL`, { scheme }, { cause: error });
  }
  if (url.hostname === '' || url.pathname.length <= 1) {
    throw new LedgerError('LEDGER_LOCATION_UNSUPPORTED', `ledger ${maskUrlPassword(raw)} needs a host and a database: postgres://user@host:port/database`, { scheme });
  }
  const password = url.password === '' ? undefined : decodeURIComponent(url.password);
  return { kind: 'postgres', url: raw, display: maskUrlPassword(raw), password };
}

/** The location as it may be printed: a URL's password (user:password@) becomes ***; a query's password= too. */
export function maskUrlPassword(raw: string): string {
  return raw.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:/@?#]*):[^@/?#]*@/i, '$1:***@').replace(/([?&]password=)[^&#]*/gi, '$1***');
}

/** `text` (an error message from the driver, say) with every occurrence of the secret masked. */
export function maskSecret(text: string, secret: string | undefined): string {
  if (secret === undefined || secret.length < 1) return text;
  return text.split(secret).join('***');
}
