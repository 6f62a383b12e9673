import { describe, expect, it } from 'vitest';
import { messageText } from '../../src/messages/stored-message.ts';

// A row's error_message is read back from the ledger (a file anyone with the disk can edit, a database others
// write) and rendered through the message catalogue. A stored part naming `constructor` (an inherited key of the
// catalogue object) made the renderer call Object's constructor's non-existent `es` function and throw, stopping the
// whole results file; params that are not an object went to the sentence functions as they were.
describe('a stored message whose code is no catalogue entry', () => {
  it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty', 'NO_SUCH_CODE'])('shows %s as its code, in both languages', (code) => {
    const stored = `\u241e${JSON.stringify([{ code, params: {} }])}`;
    expect(messageText(stored, 'es')).toBe(code);
    expect(messageText(stored, 'en')).toBe(code);
  });

  it('renders a known code whose params are not an object without throwing', () => {
    const stored = `\u241e${JSON.stringify([{ code: 'AMOUNT_CHANGED', params: 'x' }])}`;
    expect(() => messageText(stored, 'es')).not.toThrow();
    expect(messageText(stored, 'en')).toMatch(/^the provider shows/);
  });
});
