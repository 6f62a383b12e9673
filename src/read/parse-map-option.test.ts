import { describe, expect, it } from 'vitest';
import { parseMapOption } from './parse-map-option.ts';
import { expectRunError } from './test-support.ts';

describe('parseMapOption', () => {
  it('reads field=Header pairs, keeping the header as written', () => {
    expect(parseMapOption(['amount=Monto Total', 'order_id = Folio ', 'Account=No. de cuenta=destino'])).toEqual({
      amount: 'Monto Total',
      order_id: 'Folio',
      account: 'No. de cuenta=destino',
    });
  });

  it('accepts the field with hyphens or capitals', () => {
    expect(parseMapOption(['Order-ID=Folio'])).toEqual({ order_id: 'Folio' });
  });

  it('returns an empty map when the option is absent', () => {
    expect(parseMapOption(undefined)).toEqual({});
    expect(parseMapOption([])).toEqual({});
  });

  it.each([['amount'], ['monto=Monto'], ['amount='], ['=Monto']])('rejects %j with USAGE', async (value) => {
    await expectRunError((async () => parseMapOption([value]))(), 'USAGE');
  });

  it('rejects one field mapped to two headers', async () => {
    await expectRunError((async () => parseMapOption(['amount=Monto', 'amount=Importe']))(), 'USAGE');
  });
});
