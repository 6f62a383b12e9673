import type { ResultRow } from '../../src/domain/result-row.ts';

/** A valid Openpay results row with every column, for tests of the results line writers. */
export const SAMPLE_RESULT_ROW: ResultRow = {
  row: 2,
  order_id: 'ORD-1',
  provider: 'openpay',
  status: 'valid',
  error_code: '',
  error_message: '',
  warning: '',
  amount: '1234.56',
  currency: 'MXN',
  account: '012***********7897',
  name: 'José Peña',
  provider_id: '',
  provider_status: '',
  attempts: '',
  note: '',
  updated_at: '',
};
