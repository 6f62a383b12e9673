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
 * Digital FEMSA OXXO cash-out (digitalfemsa-cashout.txt): POST /customers, POST/GET /payout_orders,
 * GET /payout_orders/{id}, PUT /payout_orders/{id}/cancel. A payout order reserves the money at creation and gives
 * the customer a 16-digit reference to collect it at OXXO.
 *
 * Status words (order and its payout): pending → paid (collected at OXXO, after settleMs) | expired (not collected
 * by expires_at, money returned) | cancelled (PUT …/cancel while pending, money returned). settle_fail means "never
 * collected": the order stays pending and expires.
 */

interface FemsaCustomer {
  id: string;
  name: string;
  email: string;
  phone: string | null;
  created_at: number;
}

interface PayoutOrder extends SimPayout {
  customer: FemsaCustomer;
  reason: string;
  metadata: unknown;
  oxxoReference: string;
  expiresAt: number;
  payoutId: string;
}

interface Account {
  customers: Map<string, FemsaCustomer>;
  customerByEmail: Map<string, FemsaCustomer>;
  orders: Map<string, PayoutOrder>;
  orderList: { items: PayoutOrder[]; indexOf: Map<string, number> };
}

const ACCEPT = /application\/vnd\.app-v(\d+\.\d+\.\d+)\+json/;
const VERSIONS = ['2.1.0'] as const;
const STATUSES = ['pending', 'paid', 'expired', 'cancelled'] as const;
/** digitalfemsa-cashout.txt example: created_at 1668117996, expires_at 1668290795 — 48 hours. */
export const FEMSA_EXPIRY_MS = 48 * 3_600_000;

export function createDigitalFemsaApi(ctx: SimContext, defaultKey: string): ProviderApi {
  const accounts = new Map<string, Account>();
  const references = new Set<string>();
  const { ids, book } = ctx;

  function account(key: string): Account {
    let a = accounts.get(key);
    if (!a) {
      a = { customers: new Map(), customerByEmail: new Map(), orders: new Map(), orderList: { items: [], indexOf: new Map() } };
      accounts.set(key, a);
    }
    return a;
  }

  book.setLifecycle('digitalfemsa', {
    onDue(base, event, now) {
      const o = base as PayoutOrder;
      if (event === 'settle' && !o.failsAtSettle) book.finish(o, 'paid', now, false);
      else if (event === 'expire') book.finish(o, 'expired', now, true);
      else return;
      orderEvent(o, now);
    },
  });

  /** `payout_order.{paid|expired|cancelled}` in the family's event envelope, once the order reaches a final state. */
  function orderEvent(o: PayoutOrder, now: number): void {
    ctx.webhook('digitalfemsa', () => ({
      data: { object: orderJson(o), previous_attributes: { status: 'pending' } },
      livemode: false,
      id: ids.hex(24),
      object: 'event',
      type: `payout_order.${o.status}`,
      created_at: Math.floor(now / 1000),
    }));
  }

  function createCustomer(a: Account, body: unknown): FemsaCustomer | ApiResponse {
    if (!isRecord(body)) return parameterError(ids, 'El cuerpo de la petición debe ser un objeto JSON.', null, 'body.invalid');
    // digitalfemsa-cashout.txt "Parámetros del Customer": name and email required, phone optional.
    if (typeof body.name !== 'string' || body.name.trim() === '') return parameterError(ids, 'El nombre es obligatorio.', 'name', 'name.required');
    // Only presence is checked: the doc examples themselves carry a scraped placeholder email ("[email protected]").
    if (typeof body.email !== 'string' || body.email.trim() === '') return parameterError(ids, 'El correo electrónico es obligatorio.', 'email', 'email.required');
    if (body.phone !== undefined && typeof body.phone !== 'string') return parameterError(ids, 'El teléfono debe ser texto.', 'phone', 'phone.invalid');
    const customer: FemsaCustomer = {
      id: `cus_${ids.alnum(17)}`,
      name: body.name,
      email: body.email,
      phone: typeof body.phone === 'string' ? body.phone : null,
      created_at: unixSeconds(ctx.clock.now()),
    };
    a.customers.set(customer.id, customer);
    if (!a.customerByEmail.has(customer.email)) a.customerByEmail.set(customer.email, customer);
    return customer;
  }

  function createOrder(key: string, body: unknown): ApiResponse {
    const a = account(key);
    if (!isRecord(body)) return parameterError(ids, 'El cuerpo de la petición debe ser un objeto JSON.', null, 'body.invalid');
    if (body.currency !== 'MXN') return parameterError(ids, 'The provided currency is invalid', 'currency', 'currency.invalid');
    const amount = body.amount;
    if (amount === undefined || amount === null) return parameterError(ids, 'The payout amount is required', 'amount', 'amount.required');
    if (!(amount instanceof NumberText) || amount.quoted) return parameterError(ids, 'The amount must be an integer number of cents', 'amount', 'expected_type.integer');
    const minor = decimalToMinor(amount.raw, 0);
    if (!('minor' in minor)) {
      return minor.issue === 'not_positive'
        ? parameterError(ids, 'The payout amount must be greater than zero', 'amount', 'amount.invalid')
        : parameterError(ids, 'The amount must be an integer number of cents', 'amount', 'expected_type.integer');
    }
    // digitalfemsa-cashout.txt: "El parámetro amount debe siempre tener la terminación 00".
    if (minor.minor % 100 !== 0) return parameterError(ids, 'The amount must end in 00 (whole pesos)', 'amount', 'amount.whole_pesos');
    const info = body.customer_info;
    const customerId = isRecord(info) ? info.customer_id : undefined;
    if (typeof customerId !== 'string') return parameterError(ids, 'customer_info.customer_id is required', 'customer_info.customer_id', 'customer_info.customer_id.required');
    const customer = a.customers.get(customerId);
    if (!customer) return parameterError(ids, 'The customer could not be found', 'customer_info.customer_id', 'customer.not_found');
    const methods = body.allowed_payout_methods;
    if (!Array.isArray(methods) || methods.length === 0 || methods.some((m) => m !== 'cashout')) {
      return parameterError(ids, 'allowed_payout_methods must be ["cashout"]', 'allowed_payout_methods', 'allowed_payout_methods.invalid');
    }
    if (body.payout !== undefined) {
      const method = isRecord(body.payout) && isRecord(body.payout.payout_method) ? body.payout.payout_method.type : undefined;
      if (method !== 'cashout') return parameterError(ids, 'payout.payout_method.type must be cashout', 'payout.payout_method.type', 'payout_method.invalid');
    }
    // digitalfemsa-cashout.txt: reason string(40), required.
    if (typeof body.reason !== 'string' || body.reason.trim() === '' || body.reason.length > 40) {
      return parameterError(ids, 'reason is required (at most 40 characters)', 'reason', 'reason.invalid');
    }
    if (body.metadata !== undefined && !isRecord(body.metadata)) return parameterError(ids, 'metadata must be a hash', 'metadata', 'metadata.invalid');
    const now = ctx.clock.now();
    let expiresAt = now + FEMSA_EXPIRY_MS;
    if (body.expires_at !== undefined) {
      // The official SDK's PayoutOrderRequest carries expires_at (Unix seconds); honoured when in the future.
      if (typeof body.expires_at !== 'number' || !Number.isInteger(body.expires_at) || body.expires_at * 1000 <= now) {
        return parameterError(ids, 'expires_at must be a future Unix time in seconds', 'expires_at', 'expires_at.invalid');
      }
      expiresAt = body.expires_at * 1000;
    }
    if (!book.tryDebit(`digitalfemsa:${key}`, minor.minor)) {
      return conektaError(ids, 402, 'processing_error', {
        message: 'No tiene saldo suficiente para generar el retiro.',
        debug_message: 'Insufficient funds',
        code: 'conekta.errors.processing.balance.insufficient',
      });
    }
    const order = recordOrder(key, a, customer, minor.minor, body.reason, body.metadata, expiresAt, 'api');
    return json(200, orderJson(order), true);
  }

  function recordOrder(key: string, a: Account, customer: FemsaCustomer, amountMinor: number, reason: string, metadata: unknown, expiresAt: number, source: 'api' | 'admin'): PayoutOrder {
    const now = ctx.clock.now();
    let oxxoReference: string;
    do oxxoReference = `10${ids.digits(14)}`;
    while (references.has(oxxoReference));
    references.add(oxxoReference);
    const o: PayoutOrder = {
      provider: 'digitalfemsa',
      id: ids.uuid(),
      account: `digitalfemsa:${key}`,
      amountMinor,
      currency: 'MXN',
      reference: metadataReference(metadata),
      destination: customer.email,
      createdAt: now,
      updatedAt: now,
      status: 'pending',
      final: false,
      deleted: false,
      source,
      failsAtSettle: ctx.drawSettleFail('digitalfemsa'),
      customer,
      reason,
      metadata,
      oxxoReference,
      expiresAt,
      payoutId: `payout_${ids.alnum(17)}`,
    };
    book.record(o);
    book.schedule(o, now + ctx.settleMs, 'settle');
    book.schedule(o, expiresAt, 'expire');
    a.orders.set(o.id, o);
    a.orderList.indexOf.set(o.id, a.orderList.items.length);
    a.orderList.items.push(o);
    return o;
  }

  const route = (moneyMoving: boolean, handle: (call: ApiCall) => ApiResponse): Route => ({ moneyMoving, handle });
  const notFound = (what: string) =>
    conektaError(ids, 404, 'resource_not_found_error', { message: `No se encontró el recurso (${what}).`, debug_message: `The ${what} could not be found`, code: 'conekta.errors.resource_not_found.entity' });
  const findOrder = (call: ApiCall) => {
    const o = account(call.principal).orders.get(call.segments[1] as string);
    return o && !o.deleted ? o : undefined;
  };

  const routes = {
    createWebhookKey: route(false, () => webhookKeyJson(ids, ctx.createWebhookKey('digitalfemsa'), ctx.clock.now())),
    createCustomer: route(false, (call) => {
      const c = createCustomer(account(call.principal), call.body);
      return 'status' in c ? c : json(200, customerJson(c));
    }),
    getCustomer: route(false, (call) => {
      const c = account(call.principal).customers.get(call.segments[1] as string);
      return c ? json(200, customerJson(c)) : notFound('customer');
    }),
    createOrder: route(true, (call) => createOrder(call.principal, call.body)),
    getOrder: route(false, (call) => {
      const o = findOrder(call);
      return o ? json(200, orderJson(o)) : notFound('payout order');
    }),
    cancelOrder: route(false, (call) => {
      const o = findOrder(call);
      if (!o) return notFound('payout order');
      if (o.status !== 'pending') {
        return conektaError(ids, 422, 'processing_error', { message: `La orden ya no se puede cancelar (estado ${o.status}).`, debug_message: `The payout order is ${o.status} and can no longer be cancelled`, code: 'conekta.errors.processing.payout_order.not_cancellable' });
      }
      book.finish(o, 'cancelled', ctx.clock.now(), true);
      orderEvent(o, ctx.clock.now());
      return json(200, orderJson(o));
    }),
    listOrders: route(false, (call) => {
      const created = createdAtFilter(call.query);
      if (!created) return parameterError(ids, 'created_at filters must be Unix seconds', 'created_at', 'created_at.invalid');
      const meta = metadataFilters(call.query);
      const status = call.query.get('status');
      const search = call.query.get('search');
      const visible = (o: PayoutOrder) =>
        !o.deleted &&
        (status === null || o.status === status) &&
        created(unixSeconds(o.createdAt)) &&
        meta.every(([k, v]) => isRecord(o.metadata) && String(o.metadata[k]) === v) &&
        (search === null || [o.id, o.oxxoReference, o.customer.email, o.reference ?? ''].some((v) => v.includes(search)));
      return listPage(ids, account(call.principal).orderList, call.query, visible, orderJson, `${call.origin}/digitalfemsa/payout_orders`);
    }),
  };

  return {
    id: 'digitalfemsa',
    statuses: { all: STATUSES, final: ['paid', 'expired', 'cancelled'] },

    match(method, segments) {
      const [a, b, c] = segments;
      if (segments.length === 1) {
        if (a === 'customers' && method === 'POST') return routes.createCustomer;
        if (a === 'webhook_keys' && method === 'POST') return routes.createWebhookKey;
        if (a === 'payout_orders') return method === 'POST' ? routes.createOrder : method === 'GET' ? routes.listOrders : null;
        return null;
      }
      if (segments.length === 2 && method === 'GET' && b !== undefined) {
        if (a === 'customers') return routes.getCustomer;
        if (a === 'payout_orders') return routes.getOrder;
      }
      if (segments.length === 3 && a === 'payout_orders' && c === 'cancel' && method === 'PUT') return routes.cancelOrder;
      return null;
    },

    authenticate(request) {
      return authenticateFamily(ids, request, ACCEPT, VERSIONS, 'application/vnd.app-v2.1.0+json');
    },

    errorResponse(kind: CoreError) {
      return familyErrorResponse(ids, kind, 'There was a runtime error and our engineers have been notified.', notFound);
    },

    adminCreate(input: AdminCreate) {
      if (input.destination.trim() === '') return { error: 'digitalfemsa destination must be the customer email' };
      if (input.amountMinor % 100 !== 0) return { error: 'digitalfemsa amounts must end in 00' };
      const key = input.account ?? defaultKey;
      const a = account(key);
      let customer = a.customerByEmail.get(input.destination);
      if (!customer) {
        const created = createCustomer(a, { name: 'Admin customer', email: input.destination });
        if ('status' in created) return { error: 'could not create the customer' };
        customer = created;
      }
      book.forceDebit(`digitalfemsa:${key}`, input.amountMinor);
      // Under an order id as this tool sends one (metadata.order_id), so it reads as a payout of that order.
      const metadata = input.reference === undefined ? undefined : { order_id: input.reference };
      return recordOrder(key, a, customer, input.amountMinor, 'Created through /__admin/mutate', metadata, ctx.clock.now() + FEMSA_EXPIRY_MS, 'admin');
    },

    forget(base) {
      const o = base as PayoutOrder;
      accounts.get(o.account.slice('digitalfemsa:'.length))?.orders.delete(o.id);
    },
  };
}

function customerJson(c: FemsaCustomer): Record<string, unknown> {
  return { livemode: false, name: c.name, email: c.email, phone: c.phone, id: c.id, object: 'customer', created_at: c.created_at, corporate: false };
}

/** digitalfemsa-cashout.txt "Crear Referencia" response. */
function orderJson(o: PayoutOrder): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: o.id,
    amount: o.amountMinor,
    currency: o.currency,
    allowed_payout_methods: ['cashout'],
    reference: o.oxxoReference,
    reason: o.reason,
    livemode: false,
    created_at: unixSeconds(o.createdAt),
    updated_at: unixSeconds(o.updatedAt),
    customer_info: { id: o.customer.id, name: o.customer.name, email: o.customer.email, phone: o.customer.phone },
    object: 'payout_order',
    expires_at: unixSeconds(o.expiresAt),
    status: o.status,
    payouts: [
      {
        id: o.payoutId,
        amount: o.amountMinor,
        currency: o.currency,
        payout_order_id: o.id,
        object: 'payout',
        expires_at: unixSeconds(o.expiresAt),
        livemode: false,
        status: o.status,
      },
    ],
  };
  if (o.metadata !== undefined) out.metadata = o.metadata;
  return out;
}
