import { clabeBankTag, clabeChecksumOk } from '../core/account-checks.ts';
import { NumberText } from '../core/json-text.ts';
import { decimalToMinor } from '../core/money-text.ts';
import type { SimPayout } from '../core/payout-book.ts';
import {
  isRecord,
  json,
  unixSeconds,
  type AdminCreate,
  type ApiCall,
  type ApiResponse,
  type CoreError,
  type ProviderApi,
  type Route,
  type SimContext,
} from '../core/provider-api.ts';
import {
  authenticateFamily,
  conektaError,
  createdAtFilter,
  listPage,
  metadataFilters,
  metadataReference,
  parameterError,
  familyErrorResponse,
  webhookKeyJson,
} from './conekta-family.ts';

/**
 * Conekta third-party payouts (conekta-dispersion.txt): POST/GET /payees, POST/GET /transfers, plus GET /balance
 * (what the official SDK's BalancesApi reads). State per private key. Transfers have no idempotency key: a repeated
 * POST creates a second transfer, as the real API does.
 */

interface Destination {
  id: string;
  methodId: string;
  payee_id: string;
  created_at: number;
  account_number: string;
  account_holder_name: string;
  bank: string | null;
}

interface Payee {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  created_at: number;
  destinations: Destination[];
  metadata: unknown;
}

interface ConektaTransfer extends SimPayout {
  payee: Payee;
  target: Destination;
  statementReference: string;
  metadata: unknown;
}

interface Account {
  payees: Map<string, Payee>;
  payeeList: { items: Payee[]; indexOf: Map<string, number> };
  payeeByClabe: Map<string, Payee>;
  transfers: Map<string, ConektaTransfer>;
  transferList: { items: ConektaTransfer[]; indexOf: Map<string, number> };
}

export const CONEKTA_VERSIONS = ['2.0.0', '2.1.0', '2.2.0', '2.3.0'] as const;
const ACCEPT = /application\/vnd\.conekta-v(\d+\.\d+\.\d+)\+json/;
const STATUSES = ['pending', 'in_transit', 'paid_out', 'failed'] as const;

// conekta-dispersion.txt "Descripción de errores".
const BAD_CLABE = 'The payee`s account number was invalid, please ensure that it is an 18 digit CLABE.';
const PAYEE_NOT_FOUND = 'The payee could not be found';
const BAD_CURRENCY = 'The provided currency is invalid';
const AMOUNT_REQUIRED = 'The transfer amount is required';

export function createConektaApi(ctx: SimContext, defaultKey: string): ProviderApi {
  const accounts = new Map<string, Account>();
  const { ids, book } = ctx;

  function account(key: string): Account {
    let a = accounts.get(key);
    if (!a) {
      a = {
        payees: new Map(),
        payeeList: { items: [], indexOf: new Map() },
        payeeByClabe: new Map(),
        transfers: new Map(),
        transferList: { items: [], indexOf: new Map() },
      };
      accounts.set(key, a);
    }
    return a;
  }

  book.setLifecycle('conekta', {
    onDue(base, event, now) {
      const t = base as ConektaTransfer;
      if (event === 'mid') {
        t.status = 'in_transit';
        t.updatedAt = now;
        return;
      }
      if (event !== 'settle') return;
      const previous = t.status;
      book.finish(t, t.failsAtSettle ? 'failed' : 'paid_out', now, t.failsAtSettle);
      ctx.webhook('conekta', () => eventJson(t, t.status === 'paid_out' ? 'payout.paid_out' : 'payout.failed', now, previous));
    },
  });

  function eventJson(t: ConektaTransfer, type: string, now: number, previousStatus?: string): Record<string, unknown> {
    return {
      data: { object: transferMethodJson(t), previous_attributes: previousStatus === undefined ? {} : { status: previousStatus } },
      livemode: false,
      webhook_status: 'pending',
      webhook_logs: [],
      id: ids.hex(24),
      object: 'event',
      type,
      created_at: unixSeconds(now),
    };
  }

  // ---- payees --------------------------------------------------------------------------------------------------

  function checkDestination(value: unknown, index: number): { clabe: string; holder: string } | ApiResponse {
    const param = `destinations.${index}`;
    if (!isRecord(value)) return parameterError(ids, 'Cada destino debe ser un objeto.', param, 'destination.invalid');
    // conekta-dispersion.txt: type "Siempre colocar bank_account".
    if (value.type !== 'bank_account') return parameterError(ids, 'El tipo de destino debe ser bank_account.', `${param}.type`, 'destination.type.invalid');
    const raw = value.account_number;
    const clabe = typeof raw === 'string' ? raw : raw instanceof NumberText ? raw.raw : undefined;
    if (clabe === undefined || !clabeChecksumOk(clabe)) {
      return conektaError(ids, 422, 'parameter_validation_error', { message: BAD_CLABE, param: `${param}.account_number`, code: 'conekta.errors.parameter_validation.payee.account_number.invalid' });
    }
    const holder = value.account_holder_name;
    // conekta-dispersion.txt: account_holder_name "Menos de 250 caracteres".
    if (typeof holder !== 'string' || holder.trim() === '' || holder.length >= 250) {
      return parameterError(ids, 'El nombre del titular es obligatorio (menos de 250 caracteres).', `${param}.account_holder_name`, 'destination.account_holder_name.invalid');
    }
    return { clabe, holder };
  }

  function createPayee(a: Account, body: unknown, source: 'api' | 'admin'): Payee | ApiResponse {
    if (!isRecord(body)) return parameterError(ids, 'El cuerpo de la petición debe ser un objeto JSON.', null, 'body.invalid');
    if (typeof body.name !== 'string' || body.name.trim() === '') return parameterError(ids, 'El nombre es obligatorio.', 'name', 'name.required');
    // Email format is not checked: the doc examples themselves carry a scraped placeholder ("[email protected]").
    if (body.email !== undefined && typeof body.email !== 'string') return parameterError(ids, 'El correo electrónico debe ser texto.', 'email', 'email.invalid');
    if (body.phone !== undefined && typeof body.phone !== 'string') return parameterError(ids, 'El teléfono debe ser texto.', 'phone', 'phone.invalid');
    if (!Array.isArray(body.destinations) || body.destinations.length === 0) {
      return parameterError(ids, 'Se requiere al menos un destino (destinations).', 'destinations', 'destinations.required');
    }
    const checked: Array<{ clabe: string; holder: string }> = [];
    for (const [i, d] of body.destinations.entries()) {
      const c = checkDestination(d, i);
      if ('status' in c) return c;
      checked.push(c);
    }
    const now = ctx.clock.now();
    const payeeId = `payee_${ids.alnum(17)}`;
    const payee: Payee = {
      id: payeeId,
      name: body.name,
      email: typeof body.email === 'string' ? body.email : null,
      phone: typeof body.phone === 'string' ? body.phone : null,
      created_at: unixSeconds(now),
      destinations: checked.map((c) => ({
        id: `pytdst_${ids.alnum(16)}`,
        methodId: `pytmtd_${ids.alnum(16)}`,
        payee_id: payeeId,
        created_at: unixSeconds(now),
        account_number: c.clabe,
        account_holder_name: c.holder,
        bank: clabeBankTag(c.clabe)?.toLowerCase() ?? null,
      })),
      metadata: isRecord(body.metadata) ? body.metadata : undefined,
    };
    a.payees.set(payee.id, payee);
    a.payeeList.indexOf.set(payee.id, a.payeeList.items.length);
    a.payeeList.items.push(payee);
    if (source === 'admin' || !a.payeeByClabe.has(checked[0]!.clabe)) a.payeeByClabe.set(checked[0]!.clabe, payee);
    return payee;
  }

  // ---- transfers -----------------------------------------------------------------------------------------------

  function createTransfer(key: string, body: unknown): ApiResponse {
    const a = account(key);
    if (!isRecord(body)) return parameterError(ids, 'El cuerpo de la petición debe ser un objeto JSON.', null, 'body.invalid');
    const payee = typeof body.payee_id === 'string' ? a.payees.get(body.payee_id) : undefined;
    if (!payee) return parameterError(ids, PAYEE_NOT_FOUND, 'payee_id', 'payee.not_found');
    const amount = body.amount;
    if (amount === undefined || amount === null) return parameterError(ids, AMOUNT_REQUIRED, 'amount', 'amount.required');
    if (!(amount instanceof NumberText) || amount.quoted) return parameterError(ids, 'The transfer amount must be an integer number of cents', 'amount', 'expected_type.integer');
    const minor = decimalToMinor(amount.raw, 0);
    if (!('minor' in minor)) {
      // conekta-dispersion.txt: "El monto de la dispersión a terceros debe ser mayor a cero".
      if (minor.issue === 'not_positive') return parameterError(ids, AMOUNT_REQUIRED, 'amount', 'amount.required');
      return parameterError(ids, 'The transfer amount must be an integer number of cents', 'amount', 'expected_type.integer');
    }
    if (body.currency !== 'MXN') return parameterError(ids, BAD_CURRENCY, 'currency', 'currency.invalid');
    if (body.metadata !== undefined && !isRecord(body.metadata)) return parameterError(ids, 'metadata must be a hash', 'metadata', 'metadata.invalid');
    if (!book.tryDebit(`conekta:${key}`, minor.minor)) {
      // conekta-dispersion.txt: processing_error "Insufficient funds".
      return conektaError(ids, 402, 'processing_error', {
        message: 'No tiene saldo suficiente para realizar una dispersión a terceros.',
        debug_message: 'Insufficient funds',
        code: 'conekta.errors.processing.balance.insufficient',
      });
    }
    const reference = metadataReference(body.metadata) ?? (typeof body.reference === 'string' ? body.reference : null);
    const t = recordTransfer(key, a, payee, minor.minor, body.metadata, reference, 'api');
    return json(200, transferJson(t), true);
  }

  function recordTransfer(key: string, a: Account, payee: Payee, amountMinor: number, metadata: unknown, reference: string | null, source: 'api' | 'admin'): ConektaTransfer {
    const now = ctx.clock.now();
    const target = payee.destinations[0] as Destination;
    const t: ConektaTransfer = {
      provider: 'conekta',
      id: ids.lower(24),
      account: `conekta:${key}`,
      amountMinor,
      currency: 'MXN',
      reference,
      destination: target.account_number,
      createdAt: now,
      updatedAt: now,
      status: 'pending',
      final: false,
      deleted: false,
      source,
      failsAtSettle: ctx.drawSettleFail('conekta'),
      payee,
      target,
      statementReference: ids.digits(7),
      metadata,
    };
    book.record(t);
    book.schedule(t, now + Math.floor(ctx.settleMs / 2), 'mid');
    book.schedule(t, now + ctx.settleMs, 'settle');
    a.transfers.set(t.id, t);
    a.transferList.indexOf.set(t.id, a.transferList.items.length);
    a.transferList.items.push(t);
    ctx.webhook('conekta', () => eventJson(t, 'payout.created', now));
    return t;
  }

  // ---- routing ---------------------------------------------------------------------------------------------------

  const route = (moneyMoving: boolean, handle: (call: ApiCall) => ApiResponse): Route => ({ moneyMoving, handle });
  const notFound = (what: string) =>
    conektaError(ids, 404, 'resource_not_found_error', { message: `No se encontró el recurso (${what}).`, debug_message: `The ${what} could not be found`, code: 'conekta.errors.resource_not_found.entity' });

  const routes = {
    createPayee: route(false, (call) => {
      const p = createPayee(account(call.principal), call.body, 'api');
      return 'status' in p ? p : json(200, payeeJson(p));
    }),
    getPayee: route(false, (call) => {
      const p = account(call.principal).payees.get(call.segments[1] as string);
      return p ? json(200, payeeJson(p)) : notFound('payee');
    }),
    listPayees: route(false, (call) => listPage(ids, account(call.principal).payeeList, call.query, () => true, payeeJson, `${call.origin}/conekta/payees`)),
    createTransfer: route(true, (call) => createTransfer(call.principal, call.body)),
    getTransfer: route(false, (call) => {
      const t = account(call.principal).transfers.get(call.segments[1] as string);
      return t && !t.deleted ? json(200, transferJson(t)) : notFound('transfer');
    }),
    listTransfers: route(false, (call) => {
      const created = createdAtFilter(call.query);
      if (!created) return parameterError(ids, 'created_at filters must be Unix seconds', 'created_at', 'created_at.invalid');
      const payeeId = call.query.get('payee_id');
      const status = call.query.get('status');
      const search = call.query.get('search');
      const meta = metadataFilters(call.query);
      const visible = (t: ConektaTransfer) =>
        !t.deleted &&
        (payeeId === null || t.payee.id === payeeId) &&
        (status === null || t.status === status) &&
        created(unixSeconds(t.createdAt)) &&
        (search === null || [t.id, t.statementReference, t.payee.id, t.reference ?? ''].some((v) => v.includes(search))) &&
        meta.every(([k, v]) => isRecord(t.metadata) && String(t.metadata[k]) === v);
      return listPage(ids, account(call.principal).transferList, call.query, visible, transferMethodJson, `${call.origin}/conekta/transfers`);
    }),
    balance: route(false, (call) => json(200, { available: [{ amount: book.balance(`conekta:${call.principal}`), currency: 'MXN' }] })),
    createWebhookKey: route(false, () => webhookKeyJson(ids, ctx.createWebhookKey('conekta'), ctx.clock.now())),
  };

  return {
    id: 'conekta',
    statuses: { all: STATUSES, final: ['paid_out', 'failed'] },

    match(method, segments) {
      const [a, b] = segments;
      if (segments.length === 1) {
        if (a === 'payees') return method === 'POST' ? routes.createPayee : method === 'GET' ? routes.listPayees : null;
        if (a === 'transfers') return method === 'POST' ? routes.createTransfer : method === 'GET' ? routes.listTransfers : null;
        if (a === 'balance' && method === 'GET') return routes.balance;
        if (a === 'webhook_keys' && method === 'POST') return routes.createWebhookKey;
        return null;
      }
      if (segments.length === 2 && method === 'GET' && b !== undefined) {
        if (a === 'payees') return routes.getPayee;
        if (a === 'transfers') return routes.getTransfer;
      }
      return null;
    },

    authenticate(request) {
      return authenticateFamily(ids, request, ACCEPT, CONEKTA_VERSIONS, 'application/vnd.conekta-v2.3.0+json');
    },

    errorResponse(kind: CoreError) {
      // conekta-dispersion.txt: api_error "There was a runtime error and Conekta engineers have been notified."
      return familyErrorResponse(ids, kind, 'There was a runtime error and Conekta engineers have been notified.', notFound);
    },

    adminCreate(input: AdminCreate) {
      if (!clabeChecksumOk(input.destination)) return { error: 'conekta destination must be a valid 18-digit CLABE' };
      const key = input.account ?? defaultKey;
      const a = account(key);
      let payee = a.payeeByClabe.get(input.destination);
      if (!payee) {
        const created = createPayee(a, { name: 'Admin payee', destinations: [{ type: 'bank_account', account_number: input.destination, account_holder_name: 'Admin payee' }] }, 'admin');
        if ('status' in created) return { error: 'could not create the payee' };
        payee = created;
      }
      book.forceDebit(`conekta:${key}`, input.amountMinor);
      // Under an order id as this tool sends one (metadata.order_id), so it reads as a payout of that order.
      const metadata = input.reference === undefined ? undefined : { order_id: input.reference };
      return recordTransfer(key, a, payee, input.amountMinor, metadata, input.reference ?? null, 'admin');
    },

    forget(base) {
      const t = base as ConektaTransfer;
      for (const a of accounts.values()) if (a.transfers.get(t.id) === t) a.transfers.delete(t.id);
    },
  };
}

/** conekta-dispersion.txt "Respuesta a la creación de un Beneficiario". */
function payeeJson(p: Payee): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: p.id,
    email: p.email,
    name: p.name,
    phone: p.phone,
    livemode: false,
    destinations: p.destinations.map((d) => ({
      id: d.id,
      payee_id: d.payee_id,
      object: 'destination',
      created_at: d.created_at,
      type: 'bank_account',
      currency: 'MXN',
      last4: d.account_number.slice(-4),
      account_holder_name: d.account_holder_name,
      bank: d.bank,
    })),
    object: 'payee',
    // The doc example shows the payee id here; the field names the default destination, so its id is given.
    default_destination_id: p.destinations[0]?.id ?? null,
    created_at: p.created_at,
  };
  if (p.metadata !== undefined) out.metadata = p.metadata;
  return out;
}

/** conekta-dispersion.txt "Respuesta al crear una Dispersión" (also GET /transfers/{id}: the SDK's TransferResponse). */
function transferJson(t: ConektaTransfer): Record<string, unknown> {
  const out: Record<string, unknown> = {
    livemode: false,
    currency: t.currency,
    destination: {
      payee_id: t.payee.id,
      id: t.target.id,
      created_at: t.target.created_at,
      object: 'destination',
      type: 'bank_transfer',
      last4: t.target.account_number.slice(-4),
      account_holder_name: t.target.account_holder_name,
      bank: t.target.bank,
    },
    object: 'transfer',
    amount: t.amountMinor,
    id: t.id,
    created_at: unixSeconds(t.createdAt),
    status: t.status,
    statement_reference: t.statementReference,
    statement_description: `${t.target.account_holder_name} ${t.statementReference}`,
  };
  if (t.metadata !== undefined) out.metadata = t.metadata;
  return out;
}

/** The shape of webhook events and of list items (the SDK's TransfersResponse): `method` instead of `destination`. */
function transferMethodJson(t: ConektaTransfer): Record<string, unknown> {
  const { destination: _destination, ...rest } = transferJson(t);
  return {
    ...rest,
    method: {
      id: t.target.methodId,
      created_at: t.target.created_at,
      payee_id: t.payee.id,
      _type: 'BankTransferPayoutMethod',
      object: 'bank_transfer_payout_method',
      account_number: t.target.account_number,
      account_holder: t.target.account_holder_name,
      bank: t.target.bank,
    },
  };
}
