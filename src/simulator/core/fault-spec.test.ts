import { describe, expect, it } from 'vitest';
import { checkFaultSpec, parseFaultSpec } from './fault-spec.ts';

describe('parseFaultSpec', () => {
  it('reads the documented example', () => {
    expect(parseFaultSpec('http500=0.05,http503=0.02,http429=0.05,timeout=0.01,drop_after_commit=0.02,settle_fail=0.05,latency=20..200')).toEqual({
      http500: 0.05,
      http503: 0.02,
      http429: 0.05,
      timeout: 0.01,
      drop_after_commit: 0.02,
      settle_fail: 0.05,
      latency: { min: 20, max: 200 },
    });
  });

  it('takes a single latency value and an empty spec', () => {
    expect(parseFaultSpec('latency=50')).toEqual({ latency: { min: 50, max: 50 } });
    expect(parseFaultSpec('')).toEqual({});
  });

  it.each(['http502=0.1', 'http500=1.5', 'http500', 'latency=200..20', 'timeout=abc'])('rejects %s', (text) => {
    expect(() => parseFaultSpec(text)).toThrow(TypeError);
  });

  it('checks an object spec', () => {
    expect(() => checkFaultSpec({ http500: 2 })).toThrow(TypeError);
    expect(() => checkFaultSpec({ latency: { min: 5, max: 1 } })).toThrow(TypeError);
    expect(checkFaultSpec({ settle_fail: 1 })).toEqual({ settle_fail: 1 });
  });
});
