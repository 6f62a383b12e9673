import type { ProviderStateEvent } from '../ledger/ledger-store.ts';
import type { ProviderPayout } from '../providers/payout-provider.ts';
import { isProviderError } from '../providers/provider-error.ts';

/** What the results file and the history keep of a failure: the provider's own code and message when it gave them. */
export function errorFields(error: unknown): { errorCode: string; errorMessage: string; providerCode?: string; providerMessage?: string } {
  if (isProviderError(error)) {
    return {
      errorCode: error.providerCode ?? error.kind.toUpperCase(),
      errorMessage: error.providerMessage ?? error.message,
      ...(error.providerCode ? { providerCode: error.providerCode } : {}),
      ...(error.providerMessage ? { providerMessage: error.providerMessage } : {}),
    };
  }
  return { errorCode: 'UNEXPECTED', errorMessage: error instanceof Error ? error.message : String(error) };
}

/** The code and message of a payout the provider reports failed. */
export function payoutFailure(payout: ProviderPayout): { errorCode: string; errorMessage: string } {
  return { errorCode: payout.failureCode ?? 'PROVIDER_FAILED', errorMessage: payout.failureMessage ?? `provider status ${payout.providerStatus}` };
}

/**
 * The provider's view of a payout as a ledger event (sync, a lookup, a webhook's follow-up). Its time is the
 * provider's; the ledger clamps one in the future (transitions.ts clampEventTime), whoever writes it.
 */
export function providerStateEvent(payout: ProviderPayout, cause: 'sync' | 'lookup' | 'webhook'): ProviderStateEvent {
  return {
    cause,
    providerPayoutId: payout.payoutId,
    providerStatus: payout.providerStatus,
    ...(payout.updatedAt ? { providerUpdatedAt: payout.updatedAt } : {}),
    ...(payout.providerReference ? { providerReference: payout.providerReference } : {}),
    ...(payout.state === 'failed' ? payoutFailure(payout) : {}),
  };
}
