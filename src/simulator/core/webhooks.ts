import { request } from 'undici';
import type { ProviderId } from '../../domain/provider-id.ts';
import { toJsonText } from './json-text.ts';

/**
 * Fire-and-forget webhook delivery: one POST per event, a short timeout, no retries, never awaited by the request
 * that caused it — a slow or dead receiver must not slow the simulated API.
 */
export class WebhookSender {
  private readonly abort = new AbortController();

  constructor(
    private readonly url: string | undefined,
    private readonly onResult: (ok: boolean, provider: ProviderId, detail: string) => void,
    private readonly timeoutMs = 2000,
  ) {}

  get enabled(): boolean {
    return this.url !== undefined;
  }

  send(provider: ProviderId, build: () => unknown): void {
    if (this.url === undefined) return;
    const body = toJsonText(build());
    request(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-simulator-provider': provider },
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

  /** Abandons deliveries still in flight (simulator shutdown). */
  close(): void {
    this.abort.abort();
  }
}
