import { readFileSync } from 'node:fs';

/** Reads a recorded provider answer (copied from provider-docs) kept beside the tests. */
export function loadFixture(baseUrl: string, name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${name}`, baseUrl), 'utf8'));
}
