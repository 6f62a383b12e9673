import { describe, expect, it } from 'vitest';
import { checkAlias } from './alias.ts';

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
