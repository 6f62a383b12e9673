/**
 * Which faults the simulator injects, and how often. Probabilities are per request (per accepted payout for
 * settle_fail); latency is a uniform delay in real milliseconds.
 */
export interface FaultSpec {
  /** 500 in the provider's error format, before anything is performed. Every provider request. */
  http500?: number;
  /** 503, before anything is performed. Every provider request. */
  http503?: number;
  /** 429 with Retry-After, before anything is performed. Every provider request. */
  http429?: number;
  /** Money-moving POSTs: the request is never answered and nothing is performed; the socket is held open. */
  timeout?: number;
  /** Money-moving POSTs: the payout is performed and journaled, then the connection is destroyed unanswered. */
  drop_after_commit?: number;
  /** Accepted payouts that the bank later rejects: final failed status, money returned. */
  settle_fail?: number;
  /** Uniform delay [min, max] ms before every provider request is handled. */
  latency?: { min: number; max: number };
}

export const FAULT_KINDS = ['http500', 'http503', 'http429', 'timeout', 'drop_after_commit', 'settle_fail', 'latency'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

const PROBABILITY_KINDS = ['http500', 'http503', 'http429', 'timeout', 'drop_after_commit', 'settle_fail'] as const;

/**
 * Parses "http500=0.05,http429=0.05,timeout=0.01,drop_after_commit=0.02,settle_fail=0.05,latency=20..200"
 * (latency also takes a single number). Throws a TypeError naming the bad part; an empty string is no faults.
 */
export function parseFaultSpec(text: string): FaultSpec {
  const spec: FaultSpec = {};
  for (const part of text.split(',')) {
    const item = part.trim();
    if (item === '') continue;
    const eq = item.indexOf('=');
    if (eq < 0) throw new TypeError(`fault "${item}" needs a value, e.g. ${item}=0.05`);
    const kind = item.slice(0, eq).trim();
    const value = item.slice(eq + 1).trim();
    if (kind === 'latency') {
      const m = /^(\d+)(?:\.\.(\d+))?$/.exec(value);
      if (!m) throw new TypeError(`latency must be MIN..MAX or MS (milliseconds), got "${value}"`);
      const min = Number(m[1]);
      const max = m[2] === undefined ? min : Number(m[2]);
      if (max < min) throw new TypeError(`latency ${value}: MAX must not be below MIN`);
      spec.latency = { min, max };
      continue;
    }
    if (!(PROBABILITY_KINDS as readonly string[]).includes(kind)) {
      throw new TypeError(`unknown fault "${kind}"; known: ${FAULT_KINDS.join(', ')}`);
    }
    spec[kind as (typeof PROBABILITY_KINDS)[number]] = parseProbability(kind, value);
  }
  return spec;
}

/** Checks a FaultSpec given as an object (probabilities in [0, 1], latency bounds in order). */
export function checkFaultSpec(spec: FaultSpec): FaultSpec {
  for (const key of Object.keys(spec)) {
    if (!(FAULT_KINDS as readonly string[]).includes(key)) throw new TypeError(`unknown fault "${key}"; known: ${FAULT_KINDS.join(', ')}`);
  }
  for (const kind of PROBABILITY_KINDS) {
    const p = spec[kind];
    if (p !== undefined && !(p >= 0 && p <= 1)) throw new TypeError(`${kind} must be a probability in [0, 1], got ${p}`);
  }
  if (spec.latency) {
    const { min, max } = spec.latency;
    if (!Number.isInteger(min) || !Number.isInteger(max) || min < 0 || max < min) {
      throw new TypeError(`latency must be whole milliseconds with 0 <= min <= max, got ${min}..${max}`);
    }
  }
  return spec;
}

function parseProbability(kind: string, value: string): number {
  if (!/^(?:0|1|0?\.\d+|1\.0*)$/.test(value)) throw new TypeError(`${kind} must be a probability in [0, 1], got "${value}"`);
  return Number(value);
}
