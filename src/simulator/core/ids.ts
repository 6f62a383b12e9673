import type { Random } from './prng.ts';

const LOWER = 'abcdefghijklmnopqrstuvwxyz0123456789';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const DIGITS = '0123456789';

/**
 * Identifiers in each provider's style (Openpay `tr4f2atubqchinw71vfs`, Conekta `payee_2tP8Ghmusukdshfj`, FEMSA
 * UUIDs and 16-digit OXXO references). Drawn from their own seeded PRNG so that ids do not shift the fault sequence.
 */
export class IdSource {
  constructor(private readonly random: Random) {}

  private pick(alphabet: string, length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += alphabet[Math.floor(this.random() * alphabet.length)];
    return out;
  }

  lower(length: number): string {
    return this.pick(LOWER, length);
  }

  alnum(length: number): string {
    return this.pick(ALNUM, length);
  }

  hex(length: number): string {
    return this.pick(HEX, length);
  }

  digits(length: number): string {
    return this.pick(DIGITS, length);
  }

  /** RFC 4122 version-4 layout. */
  uuid(): string {
    const h = this.hex(32);
    const variant = HEX[8 + Math.floor(this.random() * 4)];
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }
}
