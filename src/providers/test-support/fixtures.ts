import { readFileSync } from 'node:fs';

/**
 * Where a recorded provider answer came from, which is how far it can be trusted: `doc` copied from the provider's
 * own documentation (/work/shared/provider-docs), `simulator` captured from our simulator (only as true as the
 * simulator), `live` captured from the provider itself.
 */
export type FixtureSource = 'doc' | 'simulator' | 'live';

/** Reads a recorded provider answer kept beside the tests, in `fixtures/<source>/`. */
export function loadFixture(baseUrl: string, source: FixtureSource, name: string): unknown {
  return JSON.parse(readFileSync(new URL(`./fixtures/${source}/${name}`, baseUrl), 'utf8'));
}
