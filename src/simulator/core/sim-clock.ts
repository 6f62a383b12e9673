/**
 * The simulated clock: real time plus an offset that only grows (POST /__admin/advance). Settlement, expiry and
 * token lifetimes run on it, so tests move time instead of waiting.
 */
export class SimClock {
  private offset = 0;

  /** `wall`: the real clock it runs on (tests pin it to a fixed instant). */
  constructor(private readonly wall: () => number = Date.now) {}

  now(): number {
    return this.wall() + this.offset;
  }

  get offsetMs(): number {
    return this.offset;
  }

  advance(ms: number): void {
    if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`advance needs a non-negative integer of ms, got ${ms}`);
    this.offset += ms;
  }
}
