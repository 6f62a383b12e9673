import { maskAccount } from '../../domain/mask-account.ts';
import type { PayoutInstruction, PayoutProvider, ProviderPayout, ProviderSession } from '../payout-provider.ts';
import { ProviderError, isProviderError } from '../provider-error.ts';
import { mapAnswer } from '../http-status-error.ts';
import { zenriseBankAccountBody, zenriseRecipientKey, zenriseTransferBody } from './map-zenrise-request.ts';
import { mapZenriseBankAccount, mapZenriseTransfer, zenriseTransferBankAccountId } from './map-zenrise-response.ts';
import { sendZenriseAuthorized } from './zenrise-auth.ts';


/**
 * POST /wallet/cbu-alias: registers the destination as a PAYOUT account (zenrise-payouts.txt, paso 1). A 400 (USD
 * account, nonexistent, inactive) is account_rejected with Zenrise's message. Registering twice is harmless.
 */
async function createRecipient(session: ProviderSession, instruction: PayoutInstruction): Promise<{ recipientId: string }> {
  const label = 'zenrise POST /wallet/cbu-alias';
  const body = JSON.stringify(zenriseBankAccountBody(instruction));
  const response = await sendZenriseAuthorized(session, { method: 'POST', path: '/wallet/cbu-alias', body, moneyMoving: false, label }, 'register_account');
  return mapAnswer(() => mapZenriseBankAccount(response.json), label, false);
}

async function postTransfer(session: ProviderSession, instruction: PayoutInstruction): Promise<ProviderPayout> {
  const label = 'zenrise POST /transfer-requests/add';
  const body = zenriseTransferBody(instruction);
  const response = await sendZenriseAuthorized(session, { method: 'POST', path: '/transfer-requests/add', body, moneyMoving: true, label }, 'transfer');
  return mapAnswer(() => {
    const payout = mapZenriseTransfer(response.json, maskAccount(instruction.account));
    assertSameTransfer(payout, zenriseTransferBankAccountId(response.json), instruction);
    return payout;
  }, label, true);
}

/**
 * The answer to an externalReference we already used is the existing request, whatever we sent this time; one with
 * another amount or destination is not this row's payout and must not be taken for it.
 */
function assertSameTransfer(payout: ProviderPayout, bankAccountId: string | undefined, instruction: PayoutInstruction): void {
  const sameAmount = payout.amountMinor === instruction.amountMinor;
  const sameAccount = bankAccountId === undefined || instruction.recipientId === undefined || bankAccountId === instruction.recipientId;
  if (sameAmount && sameAccount) return;
  throw new ProviderError({
    kind: 'duplicate_reference',
    message: `zenrise: externalReference ${instruction.orderId} already names transfer ${payout.payoutId} with a different ${sameAmount ? 'account' : 'amount'}`,
    retryable: false,
    outcomeUnknown: false,
    providerCode: 'externalReference',
  });
}

async function getPayout(session: ProviderSession, payoutId: string): Promise<ProviderPayout> {
  const label = 'zenrise GET /transfer-requests/check-is-processed/{id}';
  const path = `/transfer-requests/check-is-processed/${encodeURIComponent(payoutId)}`;
  const response = await sendZenriseAuthorized(session, { method: 'GET', path, moneyMoving: false, label }, 'read');
  return mapAnswer(() => mapZenriseTransfer(response.json), label, false);
}

/**
 * Settles an unknown outcome by posting the same externalReference again (zenrise-payouts.txt: "se fija si hay una
 * creada con la misma externalReference, si existe devuelve la ya creada de lo contrario crea una nueva"): the answer
 * is the original request, or a new one when the original never happened — which is then this row's payout. A
 * definitive refusal (insufficient funds, validation) means none exists, since the lookup precedes every check:
 * null. 429/5xx/transport: thrown, we cannot tell yet.
 */
async function findPayout(session: ProviderSession, instruction: PayoutInstruction, _since: Date): Promise<ProviderPayout | null> {
  try {
    return await postTransfer(session, instruction);
  } catch (error) {
    if (isProviderError(error) && !error.retryable && !error.outcomeUnknown && (error.kind === 'insufficient_funds' || error.kind === 'validation')) return null;
    throw error;
  }
}

export const zenriseProvider: PayoutProvider = {
  id: 'zenrise',
  recipient: {
    key: (instruction) => zenriseRecipientKey(instruction),
    create: createRecipient,
  },
  createPayout: postTransfer,
  getPayout,
  findPayout,
  // zenrise-payouts.txt documents no list endpoint (only check-is-processed/{id} and webhooks), and the simulator
  // serves none: nothing can be listed, so reconciliation sees no Zenrise payouts from the provider side.
  listPayouts: async function* () {},
  // No balance endpoint in zenrise-payouts.txt.
  getBalance: async () => undefined,
};
