/** Reads an async row iterator to the end. For bounded scopes only: large scopes should be consumed as they stream. */
export async function collectRows<T>(rows: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const row of rows) all.push(row);
  return all;
}

/** Maps an async iterator lazily, one item at a time. */
export async function* mapRows<T, U>(rows: AsyncIterable<T>, map: (row: T) => U): AsyncIterableIterator<U> {
  for await (const row of rows) yield map(row);
}
