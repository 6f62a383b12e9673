import { clabeBankTag, clabeCheckDigit, clabeChecksumOk } from '../core/account-checks.ts';
import { DecimalAmount, NumberText } from '../core/json-text.ts';
import { decimalToMinor } from '../core/money-text.ts';
import type { PayoutBook, SimPayout } from '../core/payout-book.ts';
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
 * Openpay (openpay-api.txt): /v1/{merchant_id}/… with HTTP Basic auth (private key as user, blank password).
 * Merchant-level and customer-level payouts, customers, customer bank accounts, GET /v1/{merchant_id}.
 * Every merchant id is accepted and gets its own state; each merchant and each customer is its own balance account.
 */

interface BankAccountData {
  clabe: string;
  bank_code: string;
  bank_name: string | null;
  alias: string | null;
  holder_name: string;
}

interface OpenpayBankAccount extends BankAccountData {
  id: string;
  customerId: string;
  createdAt: number;
}

interface OpenpayCustomer {
  id: string;
  name: string;
  last_name: string | null;
  email: string;
  phone_number: string | null;
  address: unknown;
  external_id: string | null;
  requiresAccount: boolean;
  clabe: string;
  createdAt: number;
  bankAccounts: Map<string, OpenpayBankAccount>;
  payouts: OpenpayPayout[];
}

interface OpenpayPayout extends SimPayout {
  merchantId: string;
  customerId: string | null;
  description: string;
  orderId: string | null;
  bankAccount: BankAccountData;
  errorMessage: string | null;
}

interface Merchant {
  id: string;
  createdAt: number;
  clabe: string;
  customers: Map<string, OpenpayCustomer>;
  customerList: OpenpayCustomer[];
  externalIds: Set<string>;
  /** openpay-api.txt: order_id "Debe ser único entre todas las transacciones" — merchant and customer level alike. */
  orderIds: Map<string, OpenpayPayout>;
  payouts: OpenpayPayout[];
  payoutsById: Map<string, OpenpayPayout>;
  /** Every registered bank account of the merchant, for merchant-level payouts to a destination_id. */
  bankAccounts: Map<string, OpenpayBankAccount>;
}

const STATUSES = ['in_progress', 'completed', 'failed'] as const;
const FAILURE_MESSAGE = 'The destination bank rejected the payout';

export function createOpenpayApi(ctx: SimContext, defaultMerchantId: string): ProviderApi {
  const merchants = new Map<string, Merchant>();
  const book: PayoutBook = ctx.book;

  const error = (http: number, code: number, description: string, category = 'request'): ApiResponse =>
    json(http, { category, description, http_code: http, error_code: code, request_id: ctx.ids.uuid() });

  function merchant(id: string): Merchant {
    let m = merchants.get(id);
    if (!m) {
      m = {
        id,
        createdAt: ctx.clock.now(),
        clabe: newClabe(ctx, '646180'),
        customers: new Map(),
        customerList: [],
        externalIds: new Set(),
        orderIds: new Map(),
        payouts: [],
        payoutsById: new Map(),
        bankAccounts: new Map(),
      };
      merchants.set(id, m);
    }
    return m;
  }

  const accountOf = (m: Merchant, c: OpenpayCustomer | undefined) => (c ? `openpay:${m.id}:${c.id}` : `openpay:${m.id}`);

  book.setLifecycle('openpay', {
    onDue(base, event, now) {
      if (event !== 'settle') return;
      const p = base as OpenpayPayout;
      if (p.failsAtSettle) {
        p.errorMessage = FAILURE_MESSAGE;
        book.finish(p, 'failed', now, true);
      } else book.finish(p, 'completed', now, false);
      ctx.webhook('openpay', () => ({ type: p.status === 'completed' ? 'payout.succeeded' : 'payout.failed', event_date: mexicoIso(now), transaction: transactionJson(p) }));
    },
  });

  // ---- payouts -------------------------------------------------------------------------------------------------

  function createPayout(m: Merchant, customer: OpenpayCustomer | undefined, body: unknown): ApiResponse {
    if (!isRecord(body)) return error(400, 1001, 'The request body must be a JSON object');
    const method = body.method;
    if (method === 'card') return error(422, 1003, 'Payouts to cards are not supported by the simulator; use method bank_account');
    if (method !== 'bank_account') return error(400, 1001, 'method is required and must be bank_account or card');
    const amount = parseAmount(body.amount);
    if ('message' in amount) return error(400, 1001, amount.message);
    const description = body.description;
    if (typeof description !== 'string' || description.trim() === '') return error(400, 1001, 'description is required');
    if (description.length > 250) return error(400, 1001, 'description must be at most 250 characters');
    const orderId = body.order_id;
    if (orderId !== undefined && orderId !== null && (typeof orderId !== 'string' || orderId.length > 100 || orderId === '')) {
      return error(400, 1001, 'order_id must be a string of 1 to 100 characters');
    }

    let destination: BankAccountData;
    if (body.bank_account !== undefined) {
      const checked = checkBankAccount(body.bank_account, 'bank_account.');
      if ('response' in checked) return checked.response;
      destination = checked.account;
    } else if (body.destination_id !== undefined) {
      if (typeof body.destination_id !== 'string') return error(400, 1001, 'destination_id must be a string');
      const registered = customer ? customer.bankAccounts.get(body.destination_id) : m.bankAccounts.get(body.destination_id);
      if (!registered) return error(404, 1005, `The bank account with id '${body.destination_id}' does not exist`);
      destination = registered;
    } else return error(400, 1001, 'bank_account or destination_id is required');

    // openpay-api.txt: 1006 409 Conflict "Ya existe una transacción con el mismo ID de orden".
    if (typeof orderId === 'string' && m.orderIds.has(orderId)) {
      return error(409, 1006, `There is already a transaction with the order_id '${orderId}'`);
    }
    const account = accountOf(m, customer);
    // openpay-api.txt: 4001 412 "La cuenta de Openpay no tiene fondos suficientes".
    if (!book.tryDebit(account, amount.minor)) return error(412, 4001, 'There are not enough funds in the Openpay account');
    const p = recordPayout(m, customer, account, amount.minor, destination, description, typeof orderId === 'string' ? orderId : null, 'api');
    return json(200, transactionJson(p), true);
  }

  function recordPayout(
    m: Merchant,
    customer: OpenpayCustomer | undefined,
    account: string,
    amountMinor: number,
    destination: BankAccountData,
    description: string,
    orderId: string | null,
    source: 'api' | 'admin',
  ): OpenpayPayout {
    const now = ctx.clock.now();
    const p: OpenpayPayout = {
      provider: 'openpay',
      id: `tr${ctx.ids.lower(18)}`,
      account,
      amountMinor,
      currency: 'MXN',
      reference: orderId,
      destination: destination.clabe,
      createdAt: now,
      updatedAt: now,
      status: 'in_progress',
      final: false,
      deleted: false,
      source,
      failsAtSettle: ctx.drawSettleFail('openpay'),
      merchantId: m.id,
      customerId: customer?.id ?? null,
      description,
      orderId,
      bankAccount: { clabe: destination.clabe, bank_code: destination.bank_code, bank_name: destination.bank_name, alias: destination.alias, holder_name: destination.holder_name },
      errorMessage: null,
    };
    book.record(p);
    book.schedule(p, now + ctx.settleMs, 'settle');
    if (orderId !== null) m.orderIds.set(orderId, p);
    (customer ? customer.payouts : m.payouts).push(p);
    m.payoutsById.set(p.id, p);
    ctx.webhook('openpay', () => ({ type: 'payout.created', event_date: mexicoIso(now), transaction: transactionJson(p) }));
    return p;
  }

  function getPayout(m: Merchant, customer: OpenpayCustomer | undefined, id: string): ApiResponse {
    const p = m.payoutsById.get(id);
    // A payout belongs to one account: the merchant's (customer_id null) or one customer's.
    if (!p || p.deleted || p.customerId !== (customer?.id ?? null)) return error(404, 1005, `The requested resource doesn't exist`);
    return json(200, transactionJson(p));
  }

  function listPayouts(list: readonly OpenpayPayout[], query: URLSearchParams): ApiResponse {
    const parsed = parseListQuery(query, true);
    if ('message' in parsed) return error(400, 1001, parsed.message);
    const type = query.get('payout_type');
    if (type !== null && !['ALL', 'AUTOMATIC', 'MANUAL'].includes(type)) return error(400, 1001, 'payout_type must be ALL, AUTOMATIC or MANUAL');
    // Every payout made through the API is MANUAL; none is AUTOMATIC.
    if (type === 'AUTOMATIC') return json(200, []);
    return json(200, pick(list, parsed, (p) => p.createdAt, (p) => p.amountMinor, (p) => p.deleted, book.mutations).map(transactionJson));
  }

  // ---- customers and bank accounts -----------------------------------------------------------------------------

  function createCustomer(m: Merchant, body: unknown): ApiResponse {
    if (!isRecord(body)) return error(400, 1001, 'The request body must be a JSON object');
    const name = optionalString(body.name, 100);
    const email = optionalString(body.email, 100);
    if (typeof name !== 'string' || name === '') return error(400, 1001, 'name is required (at most 100 characters)');
    if (typeof email !== 'string' || !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) return error(400, 1001, 'email is required and must be a valid address');
    const lastName = optionalString(body.last_name, 100);
    const phone = optionalString(body.phone_number, 100);
    const externalId = optionalString(body.external_id, 100);
    if (lastName === false || phone === false || externalId === false) return error(400, 1001, 'last_name, phone_number and external_id must be strings of at most 100 characters');
    if (body.requires_account !== undefined && typeof body.requires_account !== 'boolean') return error(400, 1001, 'requires_account must be a boolean');
    if (externalId && m.externalIds.has(externalId)) return error(409, 2003, `The customer with external_id '${externalId}' already exists`);
    const customer: OpenpayCustomer = {
      id: `a${ctx.ids.lower(19)}`,
      name,
      last_name: lastName || null,
      email,
      phone_number: phone || null,
      address: isRecord(body.address) ? body.address : null,
      external_id: externalId || null,
      requiresAccount: body.requires_account !== false,
      clabe: newClabe(ctx, '646180'),
      createdAt: ctx.clock.now(),
      bankAccounts: new Map(),
      payouts: [],
    };
    if (externalId) m.externalIds.add(externalId);
    m.customers.set(customer.id, customer);
    m.customerList.push(customer);
    return json(200, customerJson(m, customer));
  }

  function customerJson(m: Merchant, c: OpenpayCustomer): Record<string, unknown> {
    const out: Record<string, unknown> = {
      id: c.id,
      name: c.name,
      last_name: c.last_name,
      email: c.email,
      phone_number: c.phone_number,
      address: c.address,
      creation_date: mexicoIso(c.createdAt),
      external_id: c.external_id,
      status: 'active',
    };
    if (c.requiresAccount) {
      out.balance = new DecimalAmount(book.balance(accountOf(m, c)));
      out.clabe = c.clabe;
    }
    return out;
  }

  function checkBankAccount(value: unknown, prefix: string): { account: BankAccountData } | { response: ApiResponse } {
    if (!isRecord(value)) return { response: error(400, 1001, `${prefix || 'The request body'} must be a JSON object`) };
    const clabe = value.clabe;
    if (typeof clabe !== 'string') return { response: error(400, 1001, `${prefix}clabe is required and must be a string`) };
    if (!/^\d{18}$/.test(clabe)) return { response: error(400, 1001, `${prefix}clabe must be 18 digits`) };
    // openpay-api.txt: 1003 422 "el valor de uno o más de los parametros no es correcto".
    if (!clabeChecksumOk(clabe)) return { response: error(422, 1003, `${prefix}clabe: the CLABE check digit is not valid`) };
    const holder = value.holder_name;
    if (typeof holder !== 'string' || holder.trim() === '') return { response: error(400, 1001, `${prefix}holder_name is required`) };
    if (holder.length > 80) return { response: error(400, 1001, `${prefix}holder_name must be at most 80 characters`) };
    const alias = optionalString(value.alias, 45);
    if (alias === false) return { response: error(400, 1001, `${prefix}alias must be a string of at most 45 characters`) };
    return { account: { clabe, bank_code: clabe.slice(0, 3), bank_name: clabeBankTag(clabe), alias: alias || null, holder_name: holder } };
  }

  function createBankAccount(m: Merchant, c: OpenpayCustomer, body: unknown): ApiResponse {
    const checked = checkBankAccount(body, '');
    if ('response' in checked) return checked.response;
    for (const existing of c.bankAccounts.values()) {
      // openpay-api.txt: 2001 409 "La cuenta de banco con esta CLABE ya se encuentra registrada en el cliente".
      if (existing.clabe === checked.account.clabe) return error(409, 2001, 'The bank account with this CLABE is already registered for the customer');
    }
    const account: OpenpayBankAccount = { id: `b${ctx.ids.lower(19)}`, customerId: c.id, createdAt: ctx.clock.now(), ...checked.account };
    c.bankAccounts.set(account.id, account);
    m.bankAccounts.set(account.id, account);
    return json(200, bankAccountJson(account));
  }

  // ---- routing ---------------------------------------------------------------------------------------------------

  function withCustomer(call: ApiCall, then: (m: Merchant, c: OpenpayCustomer) => ApiResponse): ApiResponse {
    const m = merchant(call.segments[1] as string);
    const id = call.segments[3] as string;
    const c = m.customers.get(id);
    if (!c) return error(404, 1005, `The customer with id '${id}' does not exist`);
    return then(m, c);
  }

  const route = (moneyMoving: boolean, handle: (call: ApiCall) => ApiResponse): Route => ({ moneyMoving, handle });
  const m = (call: ApiCall) => merchant(call.segments[1] as string);

  const routes = {
    merchant: route(false, (call) => {
      const mm = m(call);
      return json(200, {
        name: 'payout-batch simulator',
        email: 'simulator@payout-batch.test',
        phone: '(442) 258-1039',
        status: 'active',
        balance: new DecimalAmount(book.balance(accountOf(mm, undefined))),
        clabe: mm.clabe,
        id: mm.id,
        creation_date: mexicoIso(mm.createdAt),
      });
    }),
    createPayout: route(true, (call) => createPayout(m(call), undefined, call.body)),
    listPayouts: route(false, (call) => listPayouts(m(call).payouts, call.query)),
    getPayout: route(false, (call) => getPayout(m(call), undefined, call.segments[3] as string)),
    createCustomer: route(false, (call) => createCustomer(m(call), call.body)),
    listCustomers: route(false, (call) => {
      const mm = m(call);
      const parsed = parseListQuery(call.query, false);
      if ('message' in parsed) return error(400, 1001, parsed.message);
      return json(200, pick(mm.customerList, parsed, (c) => c.createdAt, undefined, () => false).map((c) => customerJson(mm, c)));
    }),
    getCustomer: route(false, (call) => withCustomer(call, (mm, c) => json(200, customerJson(mm, c)))),
    createBankAccount: route(false, (call) => withCustomer(call, (mm, c) => createBankAccount(mm, c, call.body))),
    listBankAccounts: route(false, (call) =>
      withCustomer(call, (_mm, c) => {
        const parsed = parseListQuery(call.query, false);
        if ('message' in parsed) return error(400, 1001, parsed.message);
        return json(200, pick([...c.bankAccounts.values()], parsed, (a) => a.createdAt, undefined, () => false).map(bankAccountJson));
      }),
    ),
    getBankAccount: route(false, (call) =>
      withCustomer(call, (_mm, c) => {
        const account = c.bankAccounts.get(call.segments[5] as string);
        return account ? json(200, bankAccountJson(account)) : error(404, 1005, `The bank account with id '${call.segments[5]}' does not exist`);
      }),
    ),
    deleteBankAccount: route(false, (call) =>
      withCustomer(call, (mm, c) => {
        const id = call.segments[5] as string;
        if (!c.bankAccounts.delete(id)) return error(404, 1005, `The bank account with id '${id}' does not exist`);
        mm.bankAccounts.delete(id);
        // openpay-api.txt: "Si la cuenta bancaria se borra correctamente la respuesta es vacía".
        return { status: 204 };
      }),
    ),
    createCustomerPayout: route(true, (call) => withCustomer(call, (mm, c) => createPayout(mm, c, call.body))),
    listCustomerPayouts: route(false, (call) => withCustomer(call, (_mm, c) => listPayouts(c.payouts, call.query))),
    getCustomerPayout: route(false, (call) => withCustomer(call, (mm, c) => getPayout(mm, c, call.segments[5] as string))),
  };

  return {
    id: 'openpay',
    statuses: { all: STATUSES, final: ['completed', 'failed'] },

    match(method, segments) {
      if (segments[0] !== 'v1' || segments.length < 2) return null;
      const rest = segments.slice(2);
      const [a, b, c, d] = rest;
      switch (rest.length) {
        case 0:
          return method === 'GET' ? routes.merchant : null;
        case 1:
          if (a === 'payouts') return method === 'POST' ? routes.createPayout : method === 'GET' ? routes.listPayouts : null;
          if (a === 'customers') return method === 'POST' ? routes.createCustomer : method === 'GET' ? routes.listCustomers : null;
          return null;
        case 2:
          if (a === 'payouts' && method === 'GET') return routes.getPayout;
          if (a === 'customers' && method === 'GET') return routes.getCustomer;
          return null;
        case 3:
          if (a !== 'customers') return null;
          if (c === 'bankaccounts') return method === 'POST' ? routes.createBankAccount : method === 'GET' ? routes.listBankAccounts : null;
          if (c === 'payouts') return method === 'POST' ? routes.createCustomerPayout : method === 'GET' ? routes.listCustomerPayouts : null;
          return null;
        case 4:
          if (a !== 'customers' || b === undefined || d === undefined) return null;
          if (c === 'bankaccounts') return method === 'GET' ? routes.getBankAccount : method === 'DELETE' ? routes.deleteBankAccount : null;
          if (c === 'payouts' && method === 'GET') return routes.getCustomerPayout;
          return null;
        default:
          return null;
      }
    },

    authenticate(request: ApiRequest) {
      const user = basicUser(request.headers.authorization);
      // openpay-api.txt: 1010 403 "Se esta utilizando la llave pública para hacer una llamada que requiere la llave privada".
      if (user !== undefined && /^pk_[A-Za-z0-9]+$/.test(user)) return { response: error(403, 1010, 'This operation requires the private key (sk_…); a public key was used') };
      // openpay-api.txt: 1002 401 "La llamada no esta autenticada o la autenticación es incorrecta".
      if (user === undefined || !/^sk_[A-Za-z0-9]{8,}$/.test(user)) return { response: error(401, 1002, 'The api key or merchant id are invalid') };
      return { principal: user };
    },

    errorResponse(kind: CoreError) {
      switch (kind) {
        case 'http500':
          return error(500, 1000, 'An internal error occurred in the Openpay server', 'internal');
        case 'http503':
          return error(503, 1004, 'A service required to process the transaction is not available', 'internal');
        case 'http429':
          // Openpay documents no code for rate limiting; 1004 (service unavailable) with HTTP 429 + Retry-After.
          return error(429, 1004, 'Too many requests; retry after the time given in Retry-After');
        case 'not_found':
          return error(404, 1005, `The requested resource doesn't exist`);
        case 'bad_json':
          return error(400, 1001, 'The request body is not valid JSON');
        case 'too_large':
          return error(413, 1009, 'The request body is too large');
      }
    },

    adminCreate(input: AdminCreate) {
      if (!clabeChecksumOk(input.destination)) return { error: 'openpay destination must be a valid 18-digit CLABE' };
      const mm = merchant(input.account ?? defaultMerchantId);
      if (input.reference !== undefined && mm.orderIds.has(input.reference)) return { error: `order_id ${input.reference} is already used` };
      const account = accountOf(mm, undefined);
      book.forceDebit(account, input.amountMinor);
      const destination: BankAccountData = { clabe: input.destination, bank_code: input.destination.slice(0, 3), bank_name: clabeBankTag(input.destination), alias: null, holder_name: 'Admin payout' };
      return recordPayout(mm, undefined, account, input.amountMinor, destination, 'Created through /__admin/mutate', input.reference ?? null, 'admin');
    },

    forget(base) {
      const p = base as OpenpayPayout;
      const mm = merchants.get(p.merchantId);
      if (!mm) return;
      mm.payoutsById.delete(p.id);
      if (p.orderId !== null && mm.orderIds.get(p.orderId) === p) mm.orderIds.delete(p.orderId);
    },
  };
}

/** The Openpay transaction object (openpay-api.txt "Objeto Transacción" and the payout examples). */
function transactionJson(p: OpenpayPayout): Record<string, unknown> {
  return {
    id: p.id,
    amount: new DecimalAmount(p.amountMinor),
    authorization: p.status === 'completed' ? p.id.toUpperCase() : null,
    method: 'bank_account',
    operation_type: 'out',
    transaction_type: 'payout',
    status: p.status,
    currency: p.currency,
    creation_date: mexicoIso(p.createdAt),
    operation_date: mexicoIso(p.updatedAt),
    description: p.description,
    error_message: p.errorMessage,
    order_id: p.orderId,
    bank_account: { ...p.bankAccount, clabe: maskClabe(p.bankAccount.clabe) },
    customer_id: p.customerId,
  };
}

function bankAccountJson(a: OpenpayBankAccount): Record<string, unknown> {
  return {
    id: a.id,
    clabe: maskClabe(a.clabe),
    bank_code: a.bank_code,
    bank_name: a.bank_name,
    alias: a.alias,
    holder_name: a.holder_name,
    creation_date: mexicoIso(a.createdAt),
  };
}

/** openpay-api.txt payout and bank-account responses show the CLABE as "012XXXXXXXXXX24616". */
export function maskClabe(clabe: string): string {
  return `${clabe.slice(0, 3)}XXXXXXXXXX${clabe.slice(13)}`;
}

/** ISO 8601 in Mexico City time (UTC−06:00, no DST since 2022), as openpay-api.txt writes dates. */
export function mexicoIso(ms: number): string {
  return `${new Date(ms - 6 * 3_600_000).toISOString().slice(0, 19)}-06:00`;
}

function parseAmount(value: unknown): { minor: number } | { message: string } {
  if (value === undefined || value === null) return { message: 'amount is required' };
  if (!(value instanceof NumberText)) return { message: 'amount must be a number' };
  const result = decimalToMinor(value.raw, 2);
  if ('minor' in result) return result;
  switch (result.issue) {
    case 'decimals':
      return { message: 'amount must have at most two decimal places' };
    case 'not_positive':
      return { message: 'amount must be greater than zero' };
    case 'too_large':
      return { message: 'amount is too large' };
    default:
      return { message: 'amount must be a number' };
  }
}

/** undefined/null → undefined; a string within the limit → it; anything else → false. */
function optionalString(value: unknown, max: number): string | undefined | false {
  if (value === undefined || value === null) return undefined;
  return typeof value === 'string' && value.length <= max ? value : false;
}

function basicUser(header: string | undefined): string | undefined {
  if (header === undefined || !/^basic /i.test(header)) return undefined;
  const decoded = Buffer.from(header.slice(6).trim(), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  return colon < 0 ? decoded : decoded.slice(0, colon);
}

function newClabe(ctx: SimContext, prefix: string): string {
  const first17 = prefix + ctx.ids.digits(17 - prefix.length);
  return first17 + clabeCheckDigit(first17);
}

interface ListQuery {
  from: number;
  to: number;
  amountMin: number;
  amountMax: number;
  offset: number;
  limit: number;
}

/**
 * openpay-api.txt list filters: creation, creation[gte], creation[lte] (yyyy-mm-dd, Mexico City days), amount,
 * amount[gte], amount[lte], offset (default 0), limit (default 10). The official SDK sends the brackets unencoded;
 * URLSearchParams reads both forms. A full ISO date-time is also taken for the creation filters.
 */
function parseListQuery(query: URLSearchParams, amounts: boolean): ListQuery | { message: string } {
  const out: ListQuery = { from: -Infinity, to: Infinity, amountMin: -Infinity, amountMax: Infinity, offset: 0, limit: 10 };
  for (const [key, value] of query) {
    switch (key) {
      case 'creation':
      case 'creation[gte]':
      case 'creation[lte]': {
        const range = parseDay(value);
        if (!range) return { message: `${key} must be a date in the format yyyy-mm-dd` };
        if (key !== 'creation[lte]') out.from = Math.max(out.from, range.start);
        if (key !== 'creation[gte]') out.to = Math.min(out.to, range.end);
        break;
      }
      case 'amount':
      case 'amount[gte]':
      case 'amount[lte]': {
        if (!amounts) break;
        const parsed = decimalToMinor(value, 2);
        if (!('minor' in parsed)) return { message: `${key} must be a positive amount with at most two decimals` };
        if (key !== 'amount[lte]') out.amountMin = Math.max(out.amountMin, parsed.minor);
        if (key !== 'amount[gte]') out.amountMax = Math.min(out.amountMax, parsed.minor);
        break;
      }
      case 'offset':
      case 'limit': {
        if (!/^\d{1,9}$/.test(value)) return { message: `${key} must be a non-negative integer` };
        out[key] = Number(value);
        break;
      }
    }
  }
  if (out.limit < 1 || out.limit > 100) return { message: 'limit must be between 1 and 100' };
  return out;
}

function parseDay(value: string): { start: number; end: number } | undefined {
  const day = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (day) {
    const start = Date.UTC(Number(day[1]), Number(day[2]) - 1, Number(day[3])) + 6 * 3_600_000;
    if (Number.isNaN(start)) return undefined;
    return { start, end: start + 86_400_000 - 1 };
  }
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value)) return undefined;
  const instant = Date.parse(value);
  return Number.isNaN(instant) ? undefined : { start: instant, end: instant };
}

/**
 * Where the last page of a list stopped: the next page (offset + limit) of the same query starts there, instead of
 * walking from the newest item past every earlier page again (a million payouts read 100 at a time would be fifty
 * billion steps). Valid while the list is the same length and nothing was changed behind the client's back.
 */
interface ListResume {
  signature: string;
  /** Matching items already passed. */
  passed: number;
  /** The next item to look at. */
  index: number;
}
const listResumes = new WeakMap<readonly unknown[], ListResume>();

/**
 * Newest first (openpay-api.txt: "en orden descendente por fecha de creación"), filtered, then offset/limit.
 * `version` (the book's mutation count) lets a page resume where the previous one of the same query ended.
 */
function pick<T>(
  list: readonly T[],
  q: ListQuery,
  created: (item: T) => number,
  amount: ((item: T) => number) | undefined,
  hidden: (item: T) => boolean,
  version?: number,
): T[] {
  const out: T[] = [];
  const signature = version === undefined ? undefined : `${version}|${list.length}|${q.from}|${q.to}|${q.amountMin}|${q.amountMax}`;
  const resume = signature === undefined ? undefined : listResumes.get(list);
  let start = list.length - 1;
  let skipped = 0;
  if (resume && resume.signature === signature && resume.passed <= q.offset) {
    start = resume.index;
    skipped = resume.passed;
  }
  let i = start;
  for (; i >= 0 && out.length < q.limit; i--) {
    const item = list[i] as T;
    if (hidden(item)) continue;
    const at = created(item);
    if (at < q.from || at > q.to) continue;
    if (amount) {
      const a = amount(item);
      if (a < q.amountMin || a > q.amountMax) continue;
    }
    if (skipped < q.offset) {
      skipped++;
      continue;
    }
    out.push(item);
  }
  if (signature !== undefined) listResumes.set(list, { signature, passed: skipped + out.length, index: i });
  return out;
}
