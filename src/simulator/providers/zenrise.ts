import { createHmac } from 'node:crypto';
import { aliasFormatOk, cbuChecksumOk } from '../core/account-checks.ts';
import { DecimalAmount, NumberText } from '../core/json-text.ts';
import { decimalToMinor } from '../core/money-text.ts';
import type { SimPayout } from '../core/payout-book.ts';
import {
  isRecord,
  json,
  type AdminCreate,
  type ApiCall,
  type ApiRequest,
  type ApiResponse,
  type CoreError,
  type ProviderApi,
  type Route,
  type SimContext,
} from '../core/provider-api.ts';

/**
 * Zenrise payouts (zenrise-payouts.txt): login for a bearer token, register the destination (POST /v1/wallet/cbu-alias),
 * then POST /v1/transfer-requests/add and GET /v1/transfer-requests/check-is-processed/{id}. The doc gives no JSON
 * bodies; the shapes here are designed (README-section.md) in the NestJS style the endpoints suggest. Amounts are
 * decimal ARS pesos (1500.50), read exactly. Lifecycle: Pending → InProgress → Accredited | Fail.
 */

type AccountKind = 'CBU_CVU' | 'ALIAS';
type BankAccountType = 'WITHDRAW' | 'PAYOUT';

interface ZenriseBankAccount {
  bankAccountId: string;
  type: AccountKind;
  bankAccountType: BankAccountType;
  value: string;
  createdAt: number;
}

interface TransferRequest extends SimPayout {
  clientId: string;
  bankAccount: ZenriseBankAccount;
  externalReference: string | null;
  description: string | null;
  insights: unknown;
  failureReason: string | null;
}

interface Client {
  bankAccounts: Map<string, ZenriseBankAccount>;
  accountByValue: Map<string, ZenriseBankAccount>;
  transfers: Map<string, TransferRequest>;
  byExternalReference: Map<string, TransferRequest>;
}

export const ZENRISE_TOKEN_TTL_MS = 15 * 60_000;
const STATUSES = ['Pending', 'InProgress', 'Accredited', 'Fail'] as const;

// zenrise-payouts.txt "Datos de prueba entorno DEV". The doc lists langosta.gato.po under both "Cuenta Inexistente"
// and "Cuenta Inactiva"; it is treated as inexistent (the first listing, with the alias-specific message).
const MSG_NOT_CORRECT = 'The CBU/CVU is not correct';
const MSG_ALIAS_MISSING = 'The alias for CBU/CVU does not exist';
const MSG_INACTIVE = 'The CBU/CVU is not active';
const MSG_USD = 'The CBU/CVU belongs to a USD account; only ARS accounts can be registered';
const DEV_ACCOUNTS: ReadonlyMap<string, string | null> = new Map<string, string | null>([
  ['0990100808100040477100', null],
  ['0880610330061000073700', null],
  ['0000128000000000000000', null],
  ['0000200000000000000010', null],
  ['ruben.monitor.po', null],
  ['pepe.pepe.po', null],
  ['termo.conejo.st', null],
  ['silla.puerta.pt', null],
  ['0980610330061000073700', MSG_USD],
  ['silla.factura.pm', MSG_USD],
  ['0000222000000000000000', MSG_NOT_CORRECT],
  ['langosta.gato.po', MSG_ALIAS_MISSING],
  ['0000999000000000000010', MSG_INACTIVE],
  ['0109100808100040477100', MSG_INACTIVE],
]);

/** Checks a destination as /wallet/cbu-alias does: null when it can be registered, else the 400 message. */
export function zenriseAccountProblem(value: string): string | null {
  const known = DEV_ACCOUNTS.get(value);
  if (known !== undefined) return known;
  if (/^\d+$/.test(value)) return cbuChecksumOk(value) ? null : MSG_NOT_CORRECT;
  return aliasFormatOk(value) ? null : MSG_ALIAS_MISSING;
}

export function createZenriseApi(ctx: SimContext, credentials: { clientId: string; secretId: string }): ProviderApi {
  const clients = new Map<string, Client>();
  const tokens = new Map<string, { clientId: string; expiresAt: number }>();
  const { ids, book } = ctx;
  const signingKey = ids.hex(32);

  const error = (status: number, message: string): ApiResponse =>
    json(status, { statusCode: status, message, error: HTTP_NAMES[status] ?? 'Error' });

  function client(id: string): Client {
    let c = clients.get(id);
    if (!c) {
      c = { bankAccounts: new Map(), accountByValue: new Map(), transfers: new Map(), byExternalReference: new Map() };
      clients.set(id, c);
    }
    return c;
  }

  book.setLifecycle('zenrise', {
    onDue(base, event, now) {
      const t = base as TransferRequest;
      if (event === 'mid') {
        t.status = 'InProgress';
        t.updatedAt = now;
        ctx.webhook('zenrise', () => webhookJson('transfer.update', t, now));
        return;
      }
      if (event !== 'settle') return;
      if (t.failsAtSettle) t.failureReason = 'The destination bank rejected the transfer';
      book.finish(t, t.failsAtSettle ? 'Fail' : 'Accredited', now, t.failsAtSettle);
      ctx.webhook('zenrise', () => webhookJson('transfer.finish', t, now));
    },
  });

  /** A JWT-shaped token (HS256 over the simulated clock) so clients that decode `exp` find it. */
  function issueToken(clientId: string): { token: string; expiresAt: number } {
    const now = ctx.clock.now();
    const expiresAt = now + ZENRISE_TOKEN_TTL_MS;
    const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const payload = base64url(JSON.stringify({ sub: clientId, jti: ids.hex(16), iat: Math.floor(now / 1000), exp: Math.floor(expiresAt / 1000) }));
    const signature = createHmac('sha256', signingKey).update(`${header}.${payload}`).digest('base64url');
    const token = `${header}.${payload}.${signature}`;
    tokens.set(token, { clientId, expiresAt });
    return { token, expiresAt };
  }

  function registerAccount(c: Client, body: unknown): ApiResponse {
    if (!isRecord(body)) return error(400, 'The request body must be a JSON object');
    const raw = body.cbuAlias ?? body.cbu ?? body.cvu ?? body.alias;
    if (typeof raw !== 'string' || raw.trim() === '') return error(400, 'cbuAlias is required (a CBU, CVU or alias)');
    const value = raw.trim();
    const bankAccountType = body.bankAccountType ?? 'PAYOUT';
    if (bankAccountType !== 'PAYOUT' && bankAccountType !== 'WITHDRAW') return error(400, 'bankAccountType must be WITHDRAW or PAYOUT');
    // zenrise-payouts.txt: "Esta request dará 200 si la cuenta pudo ser guardada o 400 si el alias o cbu es inválido".
    const problem = zenriseAccountProblem(value);
    if (problem !== null) return error(400, problem);
    const key = `${value}|${bankAccountType}`;
    let account = c.accountByValue.get(key);
    if (!account) {
      account = { bankAccountId: ids.uuid(), type: /^\d+$/.test(value) ? 'CBU_CVU' : 'ALIAS', bankAccountType, value, createdAt: ctx.clock.now() };
      c.bankAccounts.set(account.bankAccountId, account);
      c.accountByValue.set(key, account);
    }
    return json(200, bankAccountJson(account));
  }

  function addTransfer(clientId: string, body: unknown): ApiResponse {
    const c = client(clientId);
    if (!isRecord(body)) return error(400, 'The request body must be a JSON object');
    const externalReference = body.externalReference;
    if (externalReference !== undefined && externalReference !== null && (typeof externalReference !== 'string' || externalReference === '' || externalReference.length > 100)) {
      return error(400, 'externalReference must be a string of 1 to 100 characters');
    }
    // zenrise-payouts.txt: externalReference "si existe devuelve la ya creada de lo contrario crea una nueva".
    if (typeof externalReference === 'string') {
      const existing = c.byExternalReference.get(externalReference);
      if (existing) return json(200, transferJson(existing));
    }
    const amount = body.amount;
    if (amount === undefined || amount === null) return error(400, 'amount is required');
    if (!(amount instanceof NumberText)) return error(400, 'amount must be a number');
    const minor = decimalToMinor(amount.raw, 2);
    if (!('minor' in minor)) {
      const messages = { decimals: 'amount must have at most 2 decimals', not_positive: 'amount must be greater than 0', too_large: 'amount is too large', format: 'amount must be a number' };
      return error(400, messages[minor.issue]);
    }
    const type = body.type ?? 'TRANSFER';
    if (type === 'REFUND') return error(400, 'type REFUND is not supported by the simulator');
    if (type !== 'TRANSFER') return error(400, 'type must be TRANSFER or REFUND');
    if (typeof body.bankAccountId !== 'string') return error(400, 'bankAccountId is required');
    const bankAccount = c.bankAccounts.get(body.bankAccountId);
    if (!bankAccount) return error(400, 'The bankAccountId does not exist; register the account with /wallet/cbu-alias first');
    if (body.description !== undefined && body.description !== null && typeof body.description !== 'string') return error(400, 'description must be a string');
    if (!book.tryDebit(`zenrise:${clientId}`, minor.minor)) return error(400, 'Insufficient funds');
    const t = recordTransfer(clientId, c, bankAccount, minor.minor, typeof externalReference === 'string' ? externalReference : null, typeof body.description === 'string' ? body.description : null, body.insights, 'api');
    return json(200, transferJson(t), true);
  }

  function recordTransfer(
    clientId: string,
    c: Client,
    bankAccount: ZenriseBankAccount,
    amountMinor: number,
    externalReference: string | null,
    description: string | null,
    insights: unknown,
    source: 'api' | 'admin',
  ): TransferRequest {
    const now = ctx.clock.now();
    const t: TransferRequest = {
      provider: 'zenrise',
      id: ids.uuid(),
      account: `zenrise:${clientId}`,
      amountMinor,
      currency: 'ARS',
      reference: externalReference,
      destination: bankAccount.value,
      createdAt: now,
      updatedAt: now,
      status: 'Pending',
      final: false,
      deleted: false,
      source,
      failsAtSettle: ctx.drawSettleFail('zenrise'),
      clientId,
      bankAccount,
      externalReference,
      description,
      insights: isRecord(insights) ? insights : undefined,
      failureReason: null,
    };
    book.record(t);
    book.schedule(t, now + Math.floor(ctx.settleMs / 2), 'mid');
    book.schedule(t, now + ctx.settleMs, 'settle');
    c.transfers.set(t.id, t);
    if (externalReference !== null) c.byExternalReference.set(externalReference, t);
    ctx.webhook('zenrise', () => webhookJson('transfer.create', t, now));
    return t;
  }

  const route = (moneyMoving: boolean, handle: (call: ApiCall) => ApiResponse, open = false): Route => ({ moneyMoving, handle, open });

  const routes = {
    login: route(
      false,
      (call) => {
        const body = call.body;
        if (!isRecord(body) || typeof body.clientId !== 'string' || typeof body.secretId !== 'string') return error(400, 'clientId and secretId are required');
        if (body.clientId !== credentials.clientId || body.secretId !== credentials.secretId) return error(401, 'Invalid credentials');
        const { token, expiresAt } = issueToken(body.clientId);
        // Public Zenrise clients read the token from the response's Authorization header.
        return { status: 200, body: { clientId: body.clientId, expiresIn: ZENRISE_TOKEN_TTL_MS / 1000, expiresAt: new Date(expiresAt).toISOString() }, headers: { authorization: `Bearer ${token}`, 'access-control-expose-headers': 'Authorization' } };
      },
      true,
    ),
    registerAccount: route(false, (call) => registerAccount(client(call.principal), call.body)),
    addTransfer: route(true, (call) => addTransfer(call.principal, call.body)),
    checkProcessed: route(false, (call) => {
      const t = client(call.principal).transfers.get(call.segments[3] as string);
      if (!t || t.deleted) return error(404, 'Transfer request not found');
      return json(200, { ...transferJson(t), isProcessed: t.final });
    }),
  };

  return {
    id: 'zenrise',
    statuses: { all: STATUSES, final: ['Accredited', 'Fail'] },

    match(method, segments) {
      // zenrise-payouts.txt writes "/wallet/cbu-alias" without the version prefix; both paths are served.
      const path = segments[0] === 'v1' ? segments.slice(1) : segments;
      const [a, b, c] = path;
      if (method !== 'POST' && method !== 'GET') return null;
      if (path.length === 2 && a === 'users' && b === 'api-login' && method === 'POST') return routes.login;
      if (path.length === 2 && a === 'wallet' && b === 'cbu-alias' && method === 'POST') return routes.registerAccount;
      if (path.length === 2 && a === 'transfer-requests' && b === 'add' && method === 'POST') return routes.addTransfer;
      if (path.length === 3 && a === 'transfer-requests' && b === 'check-is-processed' && c !== undefined && method === 'GET' && segments[0] === 'v1') return routes.checkProcessed;
      return null;
    },

    authenticate(request: ApiRequest) {
      const header = request.headers.authorization;
      if (header === undefined || !/^bearer /i.test(header)) return { response: error(401, 'Unauthorized') };
      const session = tokens.get(header.slice(7).trim());
      if (!session) return { response: error(401, 'Unauthorized') };
      if (ctx.clock.now() >= session.expiresAt) return { response: error(401, 'Token expired') };
      return { principal: session.clientId };
    },

    errorResponse(kind: CoreError) {
      switch (kind) {
        case 'http500':
          return error(500, 'Internal server error');
        case 'http503':
          return error(503, 'Service Unavailable');
        case 'http429':
          return error(429, 'ThrottlerException: Too Many Requests');
        case 'not_found':
          return error(404, 'Cannot find the requested route');
        case 'bad_json':
          return error(400, 'Unexpected token in JSON body');
        case 'too_large':
          return error(413, 'request entity too large');
      }
    },

    adminCreate(input: AdminCreate) {
      const problem = zenriseAccountProblem(input.destination);
      if (problem !== null) return { error: `zenrise destination: ${problem}` };
      const clientId = input.account ?? credentials.clientId;
      const c = client(clientId);
      if (input.reference !== undefined && c.byExternalReference.has(input.reference)) return { error: `externalReference ${input.reference} is already used` };
      const key = `${input.destination}|PAYOUT`;
      let account = c.accountByValue.get(key);
      if (!account) {
        account = { bankAccountId: ids.uuid(), type: /^\d+$/.test(input.destination) ? 'CBU_CVU' : 'ALIAS', bankAccountType: 'PAYOUT', value: input.destination, createdAt: ctx.clock.now() };
        c.bankAccounts.set(account.bankAccountId, account);
        c.accountByValue.set(key, account);
      }
      book.forceDebit(`zenrise:${clientId}`, input.amountMinor);
      return recordTransfer(clientId, c, account, input.amountMinor, input.reference ?? null, 'Created through /__admin/mutate', undefined, 'admin');
    },

    forget(base) {
      const t = base as TransferRequest;
      const c = clients.get(t.clientId);
      if (!c) return;
      c.transfers.delete(t.id);
      if (t.externalReference !== null && c.byExternalReference.get(t.externalReference) === t) c.byExternalReference.delete(t.externalReference);
    },
  };
}

const HTTP_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  404: 'Not Found',
  413: 'Payload Too Large',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function bankAccountJson(a: ZenriseBankAccount): Record<string, unknown> {
  return {
    bankAccountId: a.bankAccountId,
    type: a.type,
    bankAccountType: a.bankAccountType,
    cbu: a.type === 'CBU_CVU' ? a.value : null,
    alias: a.type === 'ALIAS' ? a.value : null,
    currency: 'ARS',
    createdAt: new Date(a.createdAt).toISOString(),
  };
}

function transferJson(t: TransferRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: t.id,
    amount: new DecimalAmount(t.amountMinor),
    currency: t.currency,
    status: t.status,
    type: 'TRANSFER',
    externalReference: t.externalReference,
    bankAccountId: t.bankAccount.bankAccountId,
    destination: { type: t.bankAccount.type, cbu: t.bankAccount.type === 'CBU_CVU' ? t.bankAccount.value : null, alias: t.bankAccount.type === 'ALIAS' ? t.bankAccount.value : null },
    description: t.description,
    failureReason: t.failureReason,
    createdAt: new Date(t.createdAt).toISOString(),
    updatedAt: new Date(t.updatedAt).toISOString(),
  };
  if (t.insights !== undefined) out.insights = t.insights;
  return out;
}

function webhookJson(event: string, t: TransferRequest, now: number): Record<string, unknown> {
  return { event, data: transferJson(t), sentAt: new Date(now).toISOString() };
}

function base64url(text: string): string {
  return Buffer.from(text).toString('base64url');
}
