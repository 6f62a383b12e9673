import type { ProviderStateEvent } from '../ledger/ledger-store.ts';
import type { ProviderPayout } from '../providers/payout-provider.ts';
import { isProviderError } from '../providers/provider-error.ts';
import type { MessagePart } from '../messages/message-catalogue.ts';
import { storedMessage } from '../messages/stored-message.ts';

/**
 * What the results file and the history keep of a failure: the provider's own code and message when it gave them.
 * errorMessage is a stored message (messages/stored-message.ts): the kind of failure in the file's language, the
 * provider's own words quoted as they came; providerMessage, for the history, is those words alone.
 */
export function errorFields(error: unknown): { errorCode: string; errorMessage: string; providerCode?: string; providerMessage?: string } {
  return { ...errorCause(error), errorMessage: storedMessage(errorPart(error)) };
}

/** errorFields without the message. */
function errorCause(error: unknown): { errorCode: string; providerCode?: string; providerMessage?: string } {
  if (isProviderError(error)) {
    return {
      errorCode: error.providerCode ?? error.kind.toUpperCase(),
      ...(error.providerCode ? { providerCode: error.providerCode } : {}),
      ...(error.providerMessage ? { providerMessage: error.providerMessage } : {}),
    };
  }
  return { errorCode: 'UNEXPECTED' };
}

/** A failed call as a message: PROVIDER_ERROR (its kind, the provider's words or our detail), else UNEXPECTED. */
export function errorPart(error: unknown): MessagePart {
  if (isProviderError(error)) {
    return { code: 'PROVIDER_ERROR', params: { kind: error.kind, ...(error.providerMessage ? { providerMessage: error.providerMessage } : { detail: error.message }) } };
  }
  return { code: 'UNEXPECTED', params: { detail: error instanceof Error ? error.message : String(error) } };
}

/** The code and message of a payout the provider reports failed. */
export function payoutFailure(payout: ProviderPayout): { errorCode: string; errorMessage: string } {
  return {
    errorCode: payout.failureCode ?? 'PROVIDER_FAILED',
    errorMessage: storedMessage({ code: 'PROVIDER_FAILED', params: payout.failureMessage ? { providerMessage: payout.failureMessage } : { providerStatus: payout.providerStatus } }),
  };
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
