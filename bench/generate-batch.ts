/**
 * Synthetic payout files for benchmarks and the crash test: valid rows with real check digits, routed to one
 * provider or spread over all four by a `provider` column. Deterministic for a given seed.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { ProviderId } from '../src/domain/provider-id.ts';
import { clabeCheckDigit } from '../src/validate/clabe.ts';
import { cbuBlock1CheckDigit, cbuBlock2CheckDigit } from '../src/validate/cbu-cvu.ts';

const BANKS = ['002', '012', '014', '021', '030', '036', '044', '058', '072', '127', '137', '646'];

function prng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
}

export interface GenerateOptions {
  path: string;
  rows: number;
  /** One provider, or 'mixed' for a provider column spreading rows over all four. */
  provider: ProviderId | 'mixed';
  seed?: number;
  /** Distinct destinations (payees/customers/bank accounts are created once per destination). */
  destinations?: number;
  prefix?: string;
}

export async function generateBatch(options: GenerateOptions): Promise<void> {
  const random = prng(options.seed ?? 42);
  const digits = (n: number) => Array.from({ length: n }, () => Math.floor(random() * 10)).join('');
  const destinations = options.destinations ?? Math.max(1, Math.floor(options.rows / 4));
  const clabes = Array.from({ length: Math.min(destinations, 50_000) }, () => {
    const first17 = BANKS[Math.floor(random() * BANKS.length)]! + digits(14);
    return first17 + clabeCheckDigit(first17);
  });
  const cbus = Array.from({ length: Math.min(destinations, 50_000) }, () => {
    const b1 = `0${digits(6)}`;
    const b2 = digits(13);
    return b1 + cbuBlock1CheckDigit(b1) + b2 + cbuBlock2CheckDigit(b2);
  });
  const out = createWriteStream(options.path);
  const mixed = options.provider === 'mixed';
  const providers: ProviderId[] = ['openpay', 'conekta', 'digitalfemsa', 'zenrise'];
  const write = async (line: string) => {
    if (!out.write(line)) await once(out, 'drain');
  };
  await write(`${mixed ? 'provider,' : ''}order_id,account,name,email,amount,currency,description\n`);
  const prefix = options.prefix ?? 'BENCH';
  for (let i = 0; i < options.rows; i++) {
    const provider = mixed ? providers[i % 4]! : (options.provider as ProviderId);
    const d = i % clabes.length;
    const pesos = 1 + Math.floor(random() * 9_999);
    const cents = provider === 'digitalfemsa' ? 0 : Math.floor(random() * 100);
    const amount = provider === 'zenrise' ? `${pesos},${String(cents).padStart(2, '0')}` : `${pesos}.${String(cents).padStart(2, '0')}`;
    const account = provider === 'zenrise' ? cbus[d % cbus.length]! : provider === 'digitalfemsa' ? '' : clabes[d]!;
    const currency = provider === 'zenrise' ? 'ARS' : 'MXN';
    const name = `Beneficiario ${d}`;
    const email = `persona${d}@example.com`;
    const order = `${prefix}-${String(i + 1).padStart(8, '0')}`;
    await write(`${mixed ? `${provider},` : ''}${order},${account},${name},${email},"${amount}",${currency},Pago ${i + 1}\n`);
  }
  out.end();
  await once(out, 'finish');
}
