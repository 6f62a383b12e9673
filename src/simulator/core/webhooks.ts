import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { request } from 'undici';
import type { ProviderId } from '../../domain/provider-id.ts';
import { SIMULATOR_WEBHOOK_CREDENTIALS } from '../credentials.ts';
import { toJsonText } from './json-text.ts';

/**
 * Fire-and-forget webhook delivery: one POST per event, a short timeout, no retries, never awaited by the request
 * that caused it — a slow or dead receiver must not slow the simulated API.
 */
export class WebhookSender {
  private readonly abort = new AbortController();
  /** The private half of each provider's latest POST /webhook_keys key. */
  private readonly signingKeys = new Map<ProviderId, KeyObject>();

  constructor(
    private readonly url: string | undefined,
    private readonly onResult: (ok: boolean, provider: ProviderId, detail: string) => void,
    private readonly timeoutMs = 2000,
  ) {}

  get enabled(): boolean {
    return this.url !== undefined;
  }

  /** A new signing key for a provider (Conekta, Digital FEMSA); its events are signed with it from now on. */
  createKey(provider: ProviderId): { publicKeyPem: string } {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.signingKeys.set(provider, privateKey);
    return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString() };
  }

  send(provider: ProviderId, build: () => unknown): void {
    if (this.url === undefined) return;
    const body = toJsonText(build());
    request(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-simulator-provider': provider, ...this.proof(provider, body) },
      body,
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
      signal: this.abort.signal,
    }).then(
      async (res) => {
        await res.body.dump();
        this.onResult(res.statusCode < 300, provider, `HTTP ${res.statusCode}`);
      },
      (error: unknown) => this.onResult(false, provider, error instanceof Error ? error.message : String(error)),
    );
  }

  /**
   * How each provider proves its events: Openpay sends the webhook's Basic user/password; Conekta and Digital FEMSA
   * sign the body once a webhook key exists (DIGEST = base64 RSA-SHA256 over the body bytes, the encoding the
   * receiver assumes, webhooks/webhook-auth.ts); Zenrise sends no proof.
   */
  private proof(provider: ProviderId, body: string): Record<string, string> {
    if (provider === 'openpay') {
      const { user, password } = SIMULATOR_WEBHOOK_CREDENTIALS.openpay;
      return { authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` };
    }
    const key = this.signingKeys.get(provider);
    return key ? { digest: sign('sha256', Buffer.from(body, 'utf8'), key).toString('base64') } : {};
  }

  /** Abandons deliveries still in flight (simulator shutdown). */
  close(): void {
    this.abort.abort();
  }
}
