/** The `code` of what `fn` rejects with (a LedgerError's, a SQLSTATE …), or undefined when it resolves. */
export async function codeOfRejection(fn: () => Promise<unknown>): Promise<string | undefined> {
  try {
    await fn();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}
