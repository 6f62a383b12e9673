#!/usr/bin/env node
// The installed tool runs the compiled build (npm run build, run by npm ci / npm install through `prepare`).
import { existsSync } from 'node:fs';

const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('payout-batch: the compiled build is missing (dist/main.js) — run `npm run build` in the package folder\n');
  process.exit(1);
}
await import(entry.href);
