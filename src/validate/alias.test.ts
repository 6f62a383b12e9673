import { describe, expect, it } from 'vitest';
import { aliasProblem, checkAlias } from './alias.ts';

describe('checkAlias', () => {
  it.each(['ruben.monitor.po', 'pepe.pepe.po', 'abc123', 'MI-ALIAS.2024', 'a'.repeat(20), '  silla.puerta.pt  '])(
    'accepts %j',
    (raw) => {
      expect(checkAlias(raw)).toEqual({ ok: true, alias: raw.trim() });
    },
  );

  it.each(['abcde', 'a'.repeat(21), 'pepe pepe', 'pepe_pepe', 'peñarol.fc', 'pepe@pepe', ''])('rejects %j', (raw) => {
    expect(checkAlias(raw)).toEqual({ ok: false, code: 'ALIAS_FORMAT' });
  });
});

describe('aliasProblem', () => {
  it.each([
    ['pepe', 'has 4 characters; an alias has 6 to 20'],
    ['a'.repeat(21), 'has 21 characters; an alias has 6 to 20'],
    ['pepe pepe', 'has a space'],
    ['peñarol.fc', 'has "ñ", which an alias cannot hold'],
    ['pepe_pepe', 'has "_", which an alias cannot hold'],
  ])('%j %s', (raw, problem) => {
    expect(aliasProblem(raw)).toBe(problem);
  });
});
