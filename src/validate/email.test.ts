import { describe, expect, it } from 'vitest';
import { checkEmail } from './email.ts';

describe('checkEmail', () => {
  it.each(['ana@example.com', 'Ana.Lopez+pagos@correo.com.mx', "o'neil@mail.co", ' user@sub.domain.org '])('accepts %j', (raw) => {
    expect(checkEmail(raw)).toEqual({ ok: true, email: raw.trim() });
  });

  it.each([
    'ana',
    'ana@',
    '@example.com',
    'ana@example',
    'ana@@example.com',
    'ana example@mail.com',
    'ana..lopez@mail.com',
    '.ana@mail.com',
    'ana@-mail.com',
    'ana@mail.c',
    'josé@mail.com',
    `${'a'.repeat(65)}@mail.com`,
  ])('rejects %j', (raw) => {
    expect(checkEmail(raw)).toEqual({ ok: false, code: 'EMAIL_INVALID' });
  });
});
