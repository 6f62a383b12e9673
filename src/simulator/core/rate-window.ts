/**
 * Timestamps of the last second, oldest first, in a growable ring. Used twice per provider: to find the busiest
 * one-second window (stats) and to refuse requests above `rate` per second (a sliding 1-s window).
 */
export class SecondWindow {
  private times: Float64Array;
  private head = 0;
  private size = 0;

  constructor(capacity = 1024) {
    this.times = new Float64Array(capacity);
  }

  /** Drops entries older than one second before `now`; returns how many remain. */
  count(now: number): number {
    const cut = now - 1000;
    while (this.size > 0 && (this.times[this.head] as number) <= cut) {
      this.head = (this.head + 1) % this.times.length;
      this.size--;
    }
    return this.size;
  }

  push(now: number): void {
    if (this.size === this.times.length) this.grow();
    this.times[(this.head + this.size) % this.times.length] = now;
    this.size++;
  }

  /** Milliseconds until the oldest entry leaves the window (0 when empty). */
  msUntilSlot(now: number): number {
    if (this.size === 0) return 0;
    return Math.max(0, (this.times[this.head] as number) + 1000 - now);
  }

  private grow(): void {
    const next = new Float64Array(this.times.length * 2);
    for (let i = 0; i < this.size; i++) next[i] = this.times[(this.head + i) % this.times.length] as number;
    this.times = next;
    this.head = 0;
  }
}
