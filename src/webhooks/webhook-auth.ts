import { createHash, createPublicKey, timingSafeEqual, verify, type KeyObject } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * How a provider proves a webhook came from it (each provider module declares its scheme):
 *  - basic: HTTP Basic user/password set when the webhook is registered (Openpay);
 *  - rsa-digest: a `DIGEST` header signing the body with the key made by `POST /webhook_keys` (Conekta, Digital
 *    FEMSA); see DIGEST_ENCODING;
 *  - path-token: a secret in the webhook URL's path, /webhooks/{provider}/{token} (Zenrise documents no signature).
 *
 * Authenticity decides how much an event is trusted and how fast it is followed, never what is written: every
 * event, verified or not, is only a hint to fetch the payout from the provider's API.
 */
export type WebhookAuthScheme =
  | { readonly kind: 'basic'; readonly userVariable: string; readonly passwordVariable: string }
  | { readonly kind: 'rsa-digest'; readonly publicKeyVariable: string }
  | { readonly kind: 'path-token'; readonly tokenVariable: string };

/** A scheme with its secret or key, ready to check requests. */
export type WebhookVerifier =
  | { kind: 'basic'; user: string; password: string }
  | { kind: 'rsa-digest'; publicKey: KeyObject }
  | { kind: 'path-token'; token: string };

/**
 * verified: the proof is there and holds; forged: a proof is there and fails (answered 401, nothing fetched);
 * unverified: no proof, or none configured (followed within the unverified budget).
 */
export type Authenticity = { verdict: 'verified' } | { verdict: 'unverified' | 'forged'; reason: string };

/**
 * ASSUMPTION (the providers' public docs do not give the encoding): the `DIGEST` header of Conekta and Digital FEMSA
 * webhooks is the base64 of an RSA PKCS#1 v1.5 signature, SHA-256, over the raw body bytes, made with the private half
 * of the key `POST /webhook_keys` returned; its `public_key` (PEM) verifies it. A bare `sha256=` prefix is tolerated.
 * The simulator signs the same way, independently; change both here and in simulator/core/webhooks.ts if live
 * deliveries show otherwise.
 */
export const DIGEST_ENCODING = 'base64(RSASSA-PKCS1-v1_5 SHA-256 over the raw body)';

export interface WebhookRequest {
  headers: IncomingHttpHeaders;
  /** The token segment of /webhooks/{provider}/{token}, when the path has one. */
  pathToken?: string;
  body: Buffer;
}

export function checkAuthenticity(verifier: WebhookVerifier | undefined, request: WebhookRequest): Authenticity {
  if (!verifier) return { verdict: 'unverified', reason: 'no webhook credentials configured for this provider' };
  switch (verifier.kind) {
    case 'basic': {
      const header = request.headers.authorization;
      if (typeof header !== 'string' || !/^basic /i.test(header)) return { verdict: 'unverified', reason: 'no Basic credentials' };
      const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      const ok = colon >= 0 && sameSecret(decoded.slice(0, colon), verifier.user) && sameSecret(decoded.slice(colon + 1), verifier.password);
      return ok ? { verdict: 'verified' } : { verdict: 'forged', reason: 'wrong Basic credentials' };
    }
    case 'rsa-digest': {
      const header = request.headers.digest;
      if (typeof header !== 'string' || header.trim() === '') return { verdict: 'unverified', reason: 'no DIGEST header' };
      const signature = Buffer.from(header.trim().replace(/^sha-?256=/i, ''), 'base64');
      let ok = false;
      try {
        ok = signature.length > 0 && verify('sha256', request.body, verifier.publicKey, signature);
      } catch {
        ok = false;
      }
      return ok ? { verdict: 'verified' } : { verdict: 'forged', reason: `the DIGEST signature does not verify (read as ${DIGEST_ENCODING})` };
    }
    case 'path-token': {
      if (request.pathToken === undefined) return { verdict: 'unverified', reason: 'no token in the webhook path' };
      return sameSecret(request.pathToken, verifier.token) ? { verdict: 'verified' } : { verdict: 'forged', reason: 'wrong token in the webhook path' };
    }
  }
}

/** A verifier from a provider's scheme and the variables it names (environment or simulator defaults). */
export function verifierFromVariables(scheme: WebhookAuthScheme, read: (variable: string) => string | undefined): WebhookVerifier | undefined {
  switch (scheme.kind) {
    case 'basic': {
      const user = read(scheme.userVariable);
      const password = read(scheme.passwordVariable);
      return user && password ? { kind: 'basic', user, password } : undefined;
    }
    case 'rsa-digest': {
      const pem = read(scheme.publicKeyVariable);
      return pem ? { kind: 'rsa-digest', publicKey: publicKeyFromPem(pem, scheme.publicKeyVariable) } : undefined;
    }
    case 'path-token': {
      const token = read(scheme.tokenVariable);
      return token ? { kind: 'path-token', token } : undefined;
    }
  }
}

export function publicKeyFromPem(pem: string, source: string): KeyObject {
  try {
    return createPublicKey(pem.replace(/\\n/g, '\n'));
  } catch (error) {
    throw new Error(`${source} is not a PEM public key`, { cause: error });
  }
}

/** Constant-time comparison that does not leak the secret's length (both sides hashed first). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
