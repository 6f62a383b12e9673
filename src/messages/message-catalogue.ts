import { ERROR_CODES, WARNING_CODES, type IssueCode } from '../domain/row-issue.ts';
import { ROW_STATUSES, type RowStatus } from '../domain/row-status.ts';
import { workbookWords, type WorkbookLang } from '../report/workbook-language.ts';

/**
 * Every sentence this tool writes about a row, keyed by a stable code, in each workbook language. A message is its
 * code plus the data it needs (`params`: the column's value already masked when it is an account, a length, a
 * limit, the provider's own words); the text is made from them when a file or a workbook cell is written, in that
 * file's language. Codes never change with the language: programs and tests read the codes, people read the text.
 *
 * The provider's own words (a failure message from its API, its status) are quoted as they came, inside a sentence
 * of ours in the workbook's language.
 */

/** Codes of the sentences the run, sync and the ledger write about a row (its error_message or note). */
export const RUN_MESSAGE_CODES = [
  /** The provider reports the payout failed: its own message quoted, or its status. */
  'PROVIDER_FAILED',
  /** A provider call failed (ProviderError): what kind of failure, and the provider's own message when it gave one. */
  'PROVIDER_ERROR',
  /** Anything else that stopped a row: the detail is a program's, kept for the English text and the log. */
  'UNEXPECTED',
  /** sync: a paid payout the provider now shows failed or cancelled. */
  'RETURNED',
  /** sync: the provider has no payout under the id the ledger holds as paid. */
  'PROVIDER_DELETED',
  /** sync: the provider shows another amount than the ledger paid. */
  'AMOUNT_CHANGED',
  /** sync: a returned payout the provider shows paid again, while another row paid the same order id after the return. */
  'PAID_TWICE',
  /** The ledger: the order key is owned by another batch's row. */
  'KEY_TAKEN',
  /** The guard before a first send found a payout for the order id that is not the row's. */
  'FOUND_AT_PROVIDER_DIFFERS',
  /** The guard before a first send could not search the provider. */
  'PROVIDER_CHECK_FAILED',
  // Notes: context for the operator beside the status.
  'NOTE_CHECK_BEFORE_REPAYING',
  'NOTE_FOUND_BY_REQUEST_KEY',
  'NOTE_REFERENCE_ALREADY_HAD_PAYOUT',
  'NOTE_UNCONFIRMED',
  'NOTE_REFERENCE_USED_NOT_FOUND',
  'NOTE_NOT_PERFORMED_AFTER_ATTEMPTS',
  'NOTE_CREDENTIALS_REJECTED',
  'NOTE_INSUFFICIENT_FUNDS',
  'NOTE_RECIPIENT_NOT_REGISTERED',
  'NOTE_INTERRUPTED_IN_FLIGHT',
  'NOTE_NOT_PERFORMED',
  'NOTE_DRY_RUN',
  'NOTE_RUN_STOPPED',
  'NOTE_RUN_STOPPED_UNCONFIRMED',
  'NOTE_NEVER_PERFORMED',
] as const;

export type RunMessageCode = (typeof RUN_MESSAGE_CODES)[number];
export type MessageCode = IssueCode | RunMessageCode;

/** The single list of every message code: the row issues' (domain/row-issue.ts) and the run's. */
export const MESSAGE_CODES: readonly MessageCode[] = [...ERROR_CODES, ...WARNING_CODES, ...RUN_MESSAGE_CODES];

export type MessageParam = string | number | boolean | MessagePart;
export type MessageParams = Readonly<Record<string, MessageParam | undefined>>;

export interface MessagePart {
  code: MessageCode;
  params?: MessageParams;
}

type Text = (p: MessageParams, lang: WorkbookLang) => string;
type Texts = Readonly<Record<WorkbookLang, Text>>;

const WORDS = { es: workbookWords('es'), en: workbookWords('en') } as const;

/** A param as text ('' when absent). */
function s(value: MessageParam | undefined): string {
  if (value === undefined) return '';
  return typeof value === 'object' ? value.code : String(value);
}

/** A value as the file had it, in double quotes (as JSON writes it: a quote or a control character stays visible). */
const q = (value: MessageParam | undefined): string => JSON.stringify(s(value));

/** A row status in the sentence's language; a word that is not one of ours stays as it is. */
function status(value: MessageParam | undefined, lang: WorkbookLang): string {
  const text = s(value);
  return (ROW_STATUSES as readonly string[]).includes(text) ? WORDS[lang].statusName(text as RowStatus) : text;
}

/** "a, b or c" / "a, b o c". */
function list(items: readonly string[], lang: WorkbookLang): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} ${lang === 'es' ? 'o' : 'or'} ${items.at(-1)!}`;
}

/** How the order_id is called: what it becomes at the provider (`keyName`), when the row's provider is known. */
function orderKey(p: MessageParams, lang: WorkbookLang): string {
  if (p.provider === undefined || p.keyName === undefined) return 'order_id';
  return `order_id (${s(p.keyName)} ${lang === 'es' ? 'en' : 'at'} ${s(p.provider)})`;
}

/** "rows 2, 5 and 9 more" from rows "2,5", total 11. */
function rowsNamed(p: MessageParams, lang: WorkbookLang): string {
  const named = s(p.rows).split(',').filter((r) => r !== '');
  const total = Number(p.count ?? named.length);
  const more = total > named.length ? (lang === 'es' ? ` y ${total - named.length} más` : ` and ${total - named.length} more`) : '';
  if (lang === 'es') return `${total === 1 ? 'la fila' : 'las filas'} ${named.join(', ')}${more}`;
  return `${total === 1 ? 'row' : 'rows'} ${named.join(', ')}${more}`;
}

const ENVIRONMENTS: Record<string, readonly [es: string, en: string]> = {
  simulator: ['simulador', 'simulator'],
  sandbox: ['sandbox (pruebas del proveedor)', 'sandbox'],
  live: ['producción', 'live'],
};
function environment(value: MessageParam | undefined, lang: WorkbookLang): string {
  const known = ENVIRONMENTS[s(value)];
  return known ? known[lang === 'es' ? 0 : 1] : s(value);
}

/** What a ProviderError's kind means, as the start of a sentence. */
const PROVIDER_ERROR_KINDS: Record<string, readonly [es: string, en: string]> = {
  authentication: ['El proveedor rechazó las credenciales', 'The provider rejected the credentials'],
  validation: ['El proveedor rechazó la solicitud', 'The provider rejected the request'],
  insufficient_funds: ['El proveedor informa fondos insuficientes', 'The provider reports insufficient funds'],
  not_found: ['El proveedor no encuentra el pago o el destinatario', 'The provider does not know the payout or the recipient'],
  duplicate_reference: ['El proveedor informa que la referencia ya se usó', 'The provider reports the reference as already used'],
  account_rejected: ['El proveedor rechazó la cuenta de destino', 'The provider rejected the destination account'],
  rate_limited: ['El proveedor pidió bajar el ritmo (demasiadas solicitudes)', 'The provider asked to slow down (too many requests)'],
  server: ['El proveedor tuvo un error interno', 'The provider had an internal error'],
  network: ['No se pudo conectar con el proveedor', 'The provider could not be reached'],
  timeout: ['El proveedor no respondió a tiempo', 'The provider did not answer in time'],
  bad_response: ['El proveedor dio una respuesta que no se pudo leer', 'The provider gave an answer that could not be read'],
};

const ALIAS_RULE = {
  es: 'un alias tiene de 6 a 20 letras (a–z, sin ñ ni acentos), dígitos, "." o "-"',
  en: 'an alias is 6 to 20 letters (a–z, no ñ or accents), digits, "." or "-"',
};

/** Why an alias is refused (validate/alias.ts aliasProblemOf): its length, a space, a character it cannot hold. */
function aliasProblem(p: MessageParams, lang: WorkbookLang): string {
  const n = Number(p.length);
  switch (p.problem) {
    case 'length':
      return lang === 'es' ? `tiene ${n} ${n === 1 ? 'carácter' : 'caracteres'}; un alias tiene de 6 a 20` : `has ${n} character${n === 1 ? '' : 's'}; an alias has 6 to 20`;
    case 'space':
      return lang === 'es' ? 'tiene un espacio' : 'has a space';
    case 'character':
      return lang === 'es' ? `tiene ${q(p.character)}, que un alias no admite` : `has ${q(p.character)}, which an alias cannot hold`;
    default:
      return lang === 'es' ? 'no es un alias' : 'is not an alias';
  }
}

/** The text of a nested part (a cause inside a sentence), in the same language. */
function inner(value: MessageParam | undefined, lang: WorkbookLang): string {
  return typeof value === 'object' ? renderMessage(value, lang) : s(value);
}

/** A sentence without its final stop, to go inside another. */
const clause = (text: string): string => text.replace(/\.$/, '');

const t = (es: Text, en: Text): Texts => ({ es, en });

export const MESSAGES: Readonly<Record<MessageCode, Texts>> = {
  // ── order_id ──
  ORDER_ID_MISSING: t(
    (p, l) => `El ${orderKey(p, l)} está vacío: cada fila necesita su propio order_id, que evita que se pague dos veces.`,
    (p, l) => `The ${orderKey(p, l)} is empty: every row needs its own order_id, which keeps it from being paid twice.`,
  ),
  ORDER_ID_TOO_LONG: t(
    (p, l) => `El ${orderKey(p, l)} tiene ${s(p.length)} caracteres; se permiten como máximo ${s(p.max)}.`,
    (p, l) => `The ${orderKey(p, l)} has ${s(p.length)} characters; at most ${s(p.max)} are allowed.`,
  ),
  ORDER_ID_PRECISION_LOST: t(
    (p, l) => `Excel guardó el ${orderKey(p, l)} ${q(p.value)} como número y perdió dígitos, así que dos filas podrían quedar con el mismo order_id. Dé formato de Texto a la columna y vuelva a escribir el order_id.`,
    (p, l) => `The ${orderKey(p, l)} ${q(p.value)} was stored by Excel as a number and has lost digits, so two rows could end up with the same order_id. Format the column as Text and type the order_id again.`,
  ),
  // ── account ──
  ACCOUNT_MISSING: t(
    (p) => (p.kind === 'clabe' ? 'La cuenta (CLABE de 18 dígitos) está vacía.' : 'La cuenta (CBU, CVU o alias) está vacía.'),
    (p) => (p.kind === 'clabe' ? 'The account (18-digit CLABE) is empty.' : 'The account (CBU, CVU or alias) is empty.'),
  ),
  CLABE_LENGTH: t(
    (p) =>
      Number(p.digits) === 22
        ? `La cuenta ${s(p.account)} tiene 22 dígitos, como un CBU/CVU argentino; los proveedores mexicanos pagan a una CLABE de 18 dígitos.`
        : `La cuenta ${s(p.account)} tiene ${s(p.digits)} dígitos; una CLABE tiene 18.`,
    (p) =>
      Number(p.digits) === 22
        ? `Account ${s(p.account)} has 22 digits, like an Argentine CBU/CVU; Mexican providers pay to an 18-digit CLABE.`
        : `Account ${s(p.account)} has ${s(p.digits)} digits; a CLABE has 18.`,
  ),
  CLABE_NOT_DIGITS: t(
    (p) => `La cuenta ${s(p.account)} no es una CLABE: una CLABE tiene solo 18 dígitos.`,
    (p) => `Account ${s(p.account)} is not a CLABE: a CLABE has 18 digits only.`,
  ),
  CLABE_CHECKSUM: t(
    (p) => `CLABE ${s(p.account)} con dígito verificador incorrecto (el último dígito): hay un dígito mal escrito.`,
    (p) => `CLABE ${s(p.account)} has a wrong check digit (last digit): a digit is mistyped somewhere.`,
  ),
  CBU_LENGTH: t(
    (p) =>
      Number(p.digits) === 18
        ? `La cuenta ${s(p.account)} tiene 18 dígitos, como una CLABE mexicana; Zenrise paga a un CBU/CVU de 22 dígitos o a un alias.`
        : `La cuenta ${s(p.account)} tiene ${s(p.digits)} dígitos; un CBU/CVU tiene 22.`,
    (p) =>
      Number(p.digits) === 18
        ? `Account ${s(p.account)} has 18 digits, like a Mexican CLABE; Zenrise pays to a 22-digit CBU/CVU or an alias.`
        : `Account ${s(p.account)} has ${s(p.digits)} digits; a CBU/CVU has 22.`,
  ),
  CBU_NOT_DIGITS: t(
    (p) => `La cuenta ${s(p.account)} no es un CBU/CVU: un CBU/CVU tiene solo 22 dígitos.`,
    (p) => `Account ${s(p.account)} is not a CBU/CVU: it has 22 digits only.`,
  ),
  CBU_CHECKSUM: t(
    (p) => `CBU/CVU ${s(p.account)} con dígito verificador incorrecto (dígito 8 o 22): hay un dígito mal escrito.${p.live ? ' Las cuentas de prueba de Zenrise DEV no se aceptan en producción.' : ''}`,
    (p) => `CBU/CVU ${s(p.account)} has a wrong check digit (8th or 22nd digit): a digit is mistyped somewhere.${p.live ? ' Zenrise DEV test accounts are not accepted live.' : ''}`,
  ),
  ALIAS_FORMAT: t(
    (p, l) =>
      p.alias !== undefined
        ? `El alias ${q(p.alias)} ${aliasProblem(p, l)}: ${ALIAS_RULE.es}.`
        : `La cuenta ${s(p.account)} no es un CBU/CVU de 22 dígitos ni un alias (de 6 a 20 letras, dígitos, "." o "-").`,
    (p, l) =>
      p.alias !== undefined
        ? `Alias ${q(p.alias)} ${aliasProblem(p, l)}: ${ALIAS_RULE.en}.`
        : `Account ${s(p.account)} is neither a 22-digit CBU/CVU nor an alias (6 to 20 letters, digits, "." or "-").`,
  ),
  ACCOUNT_PRECISION_LOST: t(
    (p) => `Excel guardó la cuenta ${s(p.account)} como número, que conserva solo 15 dígitos y quita los ceros a la izquierda, así que la cuenta real se perdió. Dé formato de Texto a la columna de la cuenta y vuelva a escribirla.`,
    (p) => `Account ${s(p.account)} was stored by Excel as a number, which keeps only 15 digits and drops leading zeros, so the real account is lost. Format the account column as Text and type the account again.`,
  ),
  // ── amount ──
  AMOUNT_MISSING: t(
    () => 'El importe está vacío.',
    () => 'The amount is empty.',
  ),
  AMOUNT_FORMAT: t(
    (p) =>
      p.currency === 'ARS'
        ? `El importe ${q(p.value)} no es un importe en ARS como 1.234,56. Escriba los decimales (1.500,00, no 1.500, que puede leerse como 1,5 o como 1500).`
        : `El importe ${q(p.value)} no es un importe en MXN como 1,234.56 (coma para los miles, punto para los decimales).`,
    (p) =>
      p.currency === 'ARS'
        ? `Amount ${q(p.value)} is not an ARS amount like 1.234,56. Write the decimals out (1.500,00, not 1.500, which could mean 1.5 or 1500).`
        : `Amount ${q(p.value)} is not an MXN amount like 1,234.56 (comma for thousands, point for decimals).`,
  ),
  AMOUNT_NOT_POSITIVE: t(
    (p) => `El importe ${q(p.value)} debe ser mayor que cero.`,
    (p) => `Amount ${q(p.value)} must be greater than zero.`,
  ),
  AMOUNT_DECIMALS: t(
    (p) => `El importe ${q(p.value)} tiene más de 2 decimales; los pagos son en centavos enteros.`,
    (p) => `Amount ${q(p.value)} has more than 2 decimals; payouts are in whole centavos.`,
  ),
  AMOUNT_NOT_WHOLE_PESOS: t(
    (p) => `${s(p.provider)} paga solo pesos enteros; ${s(p.amount)} tiene centavos. Redondee a pesos enteros.`,
    (p) => `${s(p.provider)} pays whole pesos only; ${s(p.amount)} has centavos. Round it to whole pesos.`,
  ),
  AMOUNT_TOO_LARGE: t(
    (p) => `El importe ${q(p.value)} supera el límite de ${s(p.max)}; revise los separadores.`,
    (p) => `Amount ${q(p.value)} is above the ${s(p.max)} limit; check the separators.`,
  ),
  AMOUNT_IS_DATE: t(
    (p) => `La celda del importe tiene una fecha (${q(p.value)}): Excel convirtió el número en fecha. Dé formato de Número o Texto a la columna y vuelva a escribir el importe.`,
    (p) => `The amount cell holds a date (${q(p.value)}): Excel turned the number into a date. Format the column as Number or Text and type the amount again.`,
  ),
  // ── currency, provider ──
  CURRENCY_UNSUPPORTED: t(
    (p) =>
      p.named !== undefined
        ? `${s(p.provider)} paga solo en ${s(p.providerCurrency)}, no en ${s(p.named)}.`
        : `La moneda ${q(p.value)} no se reconoce: escriba MXN o ARS${p.providerCurrency !== undefined ? `, "$" o deje la celda vacía para ${s(p.providerCurrency)}` : ' ("$" necesita el proveedor de la fila)'}.`,
    (p) =>
      p.named !== undefined
        ? `${s(p.provider)} pays only in ${s(p.providerCurrency)}, not ${s(p.named)}.`
        : `Currency ${q(p.value)} is not recognised: write MXN or ARS${p.providerCurrency !== undefined ? `, "$", or leave the cell empty for ${s(p.providerCurrency)}` : ' ("$" needs the row\'s provider)'}.`,
  ),
  PROVIDER_UNKNOWN: t(
    (p, l) => `No pagamos a través del proveedor ${q(p.value)}: use ${list(s(p.providers).split(','), l)}, o deje la celda vacía para usar el --provider de la ejecución.`,
    (p, l) => `Provider ${q(p.value)} is not one we pay through: use ${list(s(p.providers).split(','), l)}, or leave the cell empty to use the --provider of the run.`,
  ),
  // ── name, email, description ──
  NAME_MISSING: t(
    (p) => `${s(p.provider)} necesita el nombre ${p.cashOut ? 'del cliente' : 'del titular de la cuenta'}.`,
    (p) => `${s(p.provider)} needs the ${p.cashOut ? "customer's" : "account holder's"} name.`,
  ),
  NAME_TOO_LONG: t(
    (p) => `El nombre tiene ${s(p.length)} caracteres; ${s(p.provider)} acepta como máximo ${s(p.max)}.`,
    (p) => `The name has ${s(p.length)} characters; ${s(p.provider)} accepts at most ${s(p.max)}.`,
  ),
  DESCRIPTION_TOO_LONG: t(
    (p) => `La descripción tiene ${s(p.length)} caracteres; ${s(p.provider)} acepta como máximo ${s(p.max)}.`,
    (p) => `The description has ${s(p.length)} characters; ${s(p.provider)} accepts at most ${s(p.max)}.`,
  ),
  REASON_TOO_LONG: t(
    (p) => `El motivo tiene ${s(p.length)} caracteres; ${s(p.provider)} acepta como máximo ${s(p.max)}.`,
    (p) => `The reason has ${s(p.length)} characters; ${s(p.provider)} accepts at most ${s(p.max)}.`,
  ),
  EMAIL_MISSING: t(
    (p) => `${s(p.provider)} necesita el correo del cliente: la referencia del retiro se envía ahí.`,
    (p) => `${s(p.provider)} needs the customer's email: the cash-out reference is sent there.`,
  ),
  EMAIL_INVALID: t(
    (p) => `${q(p.value)} no es un correo electrónico válido.`,
    (p) => `${q(p.value)} is not a valid email address.`,
  ),
  // ── repeated order_id ──
  DUPLICATE_ORDER_ID: t(
    (p, l) =>
      p.batch !== undefined
        ? `El order_id ${s(p.orderId)} ya está ${status(p.status, l)} en el lote ${s(p.batch)} (fila ${s(p.ownerRow)}, ${s(p.ownerProvider)}); no se envía de nuevo.`
        : `El order_id ${q(p.orderId)} repite la fila ${s(p.firstRow)} con el mismo importe, cuenta y moneda: solo se paga la fila ${s(p.firstRow)}.`,
    (p, l) =>
      p.batch !== undefined
        ? `order_id ${s(p.orderId)} is already ${status(p.status, l)} in batch ${s(p.batch)} (row ${s(p.ownerRow)}, ${s(p.ownerProvider)}); it is not sent again`
        : `order_id ${q(p.orderId)} repeats row ${s(p.firstRow)} with the same amount, account and currency: only row ${s(p.firstRow)} is paid.`,
  ),
  CONFLICTING_ORDER_ID: t(
    (p, l) =>
      p.batch !== undefined
        ? `El order_id ${s(p.orderId)} se usó en el lote ${s(p.batch)} (fila ${s(p.ownerRow)}, ${s(p.ownerProvider)}) con otro importe, cuenta o moneda; no se envía.`
        : `El order_id ${q(p.orderId)} también lo usa ${rowsNamed(p, l)} con otro importe, cuenta o moneda: no se paga ninguna de estas filas. Dé a cada pago su propio order_id, o quite la fila equivocada.`,
    (p, l) =>
      p.batch !== undefined
        ? `order_id ${s(p.orderId)} was used in batch ${s(p.batch)} (row ${s(p.ownerRow)}, ${s(p.ownerProvider)}) with a different amount, account or currency; not sent`
        : `order_id ${q(p.orderId)} is also used by ${rowsNamed(p, l)} with a different amount, account or currency: none of these rows is paid. Give each payout its own order_id, or remove the wrong row.`,
  ),
  // ── warnings ──
  BANK_UNKNOWN: t(
    (p) => `CLABE ${s(p.account)}: el código de banco ${s(p.bankCode)} no está en el catálogo de bancos. El dígito verificador es correcto; confirme que el banco sea el correcto.`,
    (p) => `CLABE ${s(p.account)}: bank code ${s(p.bankCode)} is not in the bank catalog. The check digit is right; make sure the bank is correct.`,
  ),
  TEST_ACCOUNT: t(
    (p, l) => `${s(p.account)} es una cuenta de prueba de Zenrise DEV: se acepta en ${environment(p.target, l)}, nunca se paga en producción.`,
    (p) => `${s(p.account)} is a Zenrise DEV test account: accepted for ${s(p.target)}, never paid live.`,
  ),
  READ_BY_CONTENT: t(
    () => 'La fila se leyó por su contenido: el encabezado de la columna no se reconoció; confirme que cada valor esté en la columna correcta.',
    () => "The row was read by its content: the column's heading was not recognised; make sure each value is in the right column.",
  ),
  CONTROL_CHARACTERS_REMOVED: t(
    (p) => `${p.field === 'description' ? 'La descripción' : 'El nombre'} tenía caracteres de control (secuencias de escape de terminal, BEL, …); se quitaron.`,
    (p) => `The ${p.field === 'description' ? 'description' : 'name'} held control characters (terminal escape sequences, BEL, …); they were removed.`,
  ),
  // ── the run, sync, the ledger ──
  PROVIDER_FAILED: t(
    (p) => (p.providerMessage !== undefined ? `El proveedor informa el pago como fallido: ${q(p.providerMessage)}` : `El proveedor informa el pago como fallido (estado en el proveedor: ${s(p.providerStatus)}).`),
    (p) => (p.providerMessage !== undefined ? `The provider reports the payout failed: ${q(p.providerMessage)}` : `The provider reports the payout failed (provider status ${s(p.providerStatus)}).`),
  ),
  PROVIDER_ERROR: t(
    (p) => `${PROVIDER_ERROR_KINDS[s(p.kind)]?.[0] ?? 'El proveedor devolvió un error'}${p.providerMessage !== undefined ? `: ${q(p.providerMessage)}` : '.'}`,
    (p) => `${PROVIDER_ERROR_KINDS[s(p.kind)]?.[1] ?? 'The provider returned an error'}${p.providerMessage !== undefined ? `: ${q(p.providerMessage)}` : p.detail !== undefined ? ` (${s(p.detail)}).` : '.'}`,
  ),
  UNEXPECTED: t(
    () => 'Error inesperado de la herramienta; el detalle está en el registro de la ejecución (run.log).',
    (p) => `Unexpected error: ${s(p.detail)}`,
  ),
  RETURNED: t(
    (p) => `Devuelto después del pago: estado en el proveedor ${s(p.providerStatus)}${p.failure !== undefined ? ` (${q(p.failure)})` : ''}.`,
    (p) => `returned after payment: provider status ${s(p.providerStatus)}${p.failure !== undefined ? ` (${q(p.failure)})` : ''}`,
  ),
  PROVIDER_DELETED: t(
    (p) => `El proveedor ya no tiene el pago ${s(p.payoutId)}${p.providerMessage !== undefined ? `: ${q(p.providerMessage)}` : '.'}`,
    (p) => `the provider has no payout ${s(p.payoutId)} any more${p.providerMessage !== undefined ? `: ${q(p.providerMessage)}` : ''}`,
  ),
  AMOUNT_CHANGED: t(
    (p) => `El proveedor muestra ${s(p.providerAmount)} ${s(p.providerCurrency)} y el libro pagó ${s(p.ledgerAmount)} ${s(p.ledgerCurrency)}; estado en el proveedor ${s(p.providerStatus)}.`,
    (p) => `the provider shows ${s(p.providerAmount)} ${s(p.providerCurrency)}, the ledger paid ${s(p.ledgerAmount)} ${s(p.ledgerCurrency)}; provider status ${s(p.providerStatus)}`,
  ),
  PAID_TWICE: t(
    (p, l) =>
      `El proveedor muestra el pago ${s(p.payoutId)} pagado otra vez después de su devolución (${s(p.providerStatus)}), y el lote ${s(p.ownerBatch)}, fila ${s(p.ownerRow)} (${status(p.ownerStatus, l)}) pagó la misma orden después: la orden se pagó dos veces.`,
    (p, l) =>
      `the provider shows payout ${s(p.payoutId)} paid again after its return (${s(p.providerStatus)}), and batch ${s(p.ownerBatch)} row ${s(p.ownerRow)} (${status(p.ownerStatus, l)}) paid the same order id again: the order id was paid twice`,
  ),
  KEY_TAKEN: t(
    (p, l) =>
      `La clave de la orden ya la tiene el lote ${s(p.batch)}, fila ${s(p.row)} (${s(p.ownerProvider)}, ${status(p.status, l)}; ${
        p.environment === 'unknown' ? 'un lote registrado antes de que el libro guardara entornos, así que cuenta en todos' : environment(p.environment, l)
      }).`,
    (p, l) =>
      `order key already taken by batch ${s(p.batch)} row ${s(p.row)} (${s(p.ownerProvider)}, ${status(p.status, l)}; ${
        p.environment === 'unknown' ? 'a batch recorded before the ledger kept environments, so it counts on every target' : s(p.environment)
      })`,
  ),
  FOUND_AT_PROVIDER_DIFFERS: t(
    (p) =>
      `El proveedor ya tiene el pago ${s(p.payoutId)} (${s(p.providerStatus)}) para la orden ${s(p.orderId)} con ${[
        p.providerAmount !== undefined ? `importe ${s(p.providerAmount)} ${s(p.providerCurrency)} (la fila: ${s(p.rowAmount)} ${s(p.rowCurrency)})` : '',
        p.providerDestination !== undefined ? `destino ${s(p.providerDestination)} (la fila: ${s(p.rowDestination)})` : '',
      ]
        .filter((x) => x !== '')
        .join(' y ')}; no se paga de nuevo.`,
    (p) =>
      `the provider already has payout ${s(p.payoutId)} (${s(p.providerStatus)}) for order ${s(p.orderId)} with ${[
        p.providerAmount !== undefined ? `amount ${s(p.providerAmount)} ${s(p.providerCurrency)} (the row: ${s(p.rowAmount)} ${s(p.rowCurrency)})` : '',
        p.providerDestination !== undefined ? `destination ${s(p.providerDestination)} (the row: ${s(p.rowDestination)})` : '',
      ]
        .filter((x) => x !== '')
        .join(' and ')}; not paid again`,
  ),
  PROVIDER_CHECK_FAILED: t(
    (p, l) => `No se envió: no se pudo buscar en el proveedor un pago anterior de esta fila (${clause(inner(p.cause, l))}); vuelva a ejecutar para intentarlo de nuevo.`,
    (p, l) => `not sent: the provider could not be searched for an earlier payout of this row (${clause(inner(p.cause, l))}); re-run to try again`,
  ),
  NOTE_CHECK_BEFORE_REPAYING: t(
    () => 'Revise qué importe y destino son los correctos antes de volver a pagar este order_id (con un order_id nuevo).',
    () => 'check which amount and destination are right before paying this order id again (with a new order_id)',
  ),
  NOTE_FOUND_BY_REQUEST_KEY: t(
    () => 'Encontrado en el proveedor por su clave de solicitud (lo hizo una ejecución que este libro no tiene); no se envió de nuevo.',
    () => 'found at the provider by its request key (a run this ledger does not hold made it); not sent again',
  ),
  NOTE_REFERENCE_ALREADY_HAD_PAYOUT: t(
    () => 'El proveedor ya tenía un pago con esta referencia.',
    () => 'the provider already had a payout with this reference',
  ),
  NOTE_UNCONFIRMED: t(
    () => 'El proveedor no pudo confirmar si este pago existe; ejecute `payout-batch sync` o consulte al proveedor antes de volver a pagarlo.',
    () => 'the provider could not confirm whether this payout exists; run `payout-batch sync` or check the provider before paying it again',
  ),
  NOTE_REFERENCE_USED_NOT_FOUND: t(
    () => 'El proveedor informa esta referencia como usada, pero su búsqueda no muestra ningún pago con ella; queda como desconocido hasta que el proveedor muestre uno.',
    () => 'the provider reports this reference as used, but its search shows no payout with it; kept unknown until the provider shows one',
  ),
  NOTE_NOT_PERFORMED_AFTER_ATTEMPTS: t(
    () => 'El proveedor no lo realizó después de todos los intentos; vuelva a ejecutar para intentarlo de nuevo.',
    () => 'not performed at the provider after every attempt; re-run to try again',
  ),
  NOTE_CREDENTIALS_REJECTED: t(
    () => 'No se envió: el proveedor rechazó las credenciales.',
    () => 'not sent: the provider rejected the credentials',
  ),
  NOTE_INSUFFICIENT_FUNDS: t(
    () => 'No se envió: fondos insuficientes en el proveedor; fondee la cuenta y vuelva a ejecutar.',
    () => 'not sent: insufficient funds at the provider; fund the account and re-run',
  ),
  NOTE_RECIPIENT_NOT_REGISTERED: t(
    () => 'No se envió: no se pudo registrar al destinatario; vuelva a ejecutar para intentarlo de nuevo.',
    () => 'not sent: the recipient could not be registered; re-run to try again',
  ),
  NOTE_INTERRUPTED_IN_FLIGHT: t(
    () => 'Interrumpido con la solicitud en curso; la próxima ejecución lo resuelve consultando al proveedor.',
    () => 'interrupted while the request was in flight; the next run settles it by lookup',
  ),
  NOTE_NOT_PERFORMED: t(
    () => 'El proveedor no lo realizó; vuelva a ejecutar para intentarlo de nuevo.',
    () => 'not performed at the provider; re-run to try again',
  ),
  NOTE_DRY_RUN: t(
    () => 'Ensayo (--dry-run): no se envió.',
    () => 'dry run: not sent',
  ),
  NOTE_RUN_STOPPED: t(
    () => 'La ejecución que enviaba esta fila se detuvo.',
    () => 'the run sending this row stopped',
  ),
  NOTE_RUN_STOPPED_UNCONFIRMED: t(
    () => 'La ejecución que enviaba esta fila se detuvo; el proveedor no pudo confirmar si el pago existe.',
    () => 'the run sending this row stopped; the provider could not confirm whether the payout exists',
  ),
  NOTE_NEVER_PERFORMED: t(
    () => 'El proveedor no tiene ningún pago para esta orden: nunca se realizó; vuelva a ejecutar el lote para enviarlo.',
    () => 'the provider has no payout for this order: it was never performed; run the batch again to send it',
  ),
};

/** One message's text in `lang`. A code without texts (a newer ledger read by an older build) shows as the code. */
export function renderMessage(part: MessagePart, lang: WorkbookLang): string {
  // Own keys only: a stored text is read back from the ledger, and `constructor` or `__proto__` is no message.
  const texts = Object.hasOwn(MESSAGES, part.code) ? (MESSAGES[part.code] as Texts) : undefined;
  return texts ? texts[lang](isRecord(part.params) ? part.params : {}, lang) : String(part.code);
}

export function isMessageCode(code: string): code is MessageCode {
  return Object.hasOwn(MESSAGES, code);
}

function isRecord(value: unknown): value is MessageParams {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
