#!/usr/bin/env node
// SIGINT / SIGTERM are handled from the first line, before anything is loaded: a signal during start-up, reading or
// planning ends the run with one line and exit 130 (src/process-signals.ts speaks the same protocol and routes a
// signal to whatever holds signals later — a dispatch lets its requests in flight finish).
const state = (globalThis[Symbol.for('payout-batch.signals')] ??= { installed: false, owners: [] });
const onSignal = (signal) => {
  if (state.owners.length > 0) {
    for (const owner of state.owners.slice()) owner(signal);
    return;
  }
  process.stderr.write(`payout-batch: stopped by ${signal} (exit 130)\n`);
  // --json promises one JSON object on stdout whatever happens.
  if (process.argv.some((a) => a === '--json' || a === '--json=true')) {
    process.stdout.write(`${JSON.stringify({ exit_code: 130, error: { code: 'INTERRUPTED', message: `stopped by ${signal}` } })}\n`);
  }
  process.exit(130);
};
if (!state.installed) {
  state.installed = true;
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

// The installed tool runs the compiled build (npm run build, run by npm ci / npm install through `prepare`).
const { existsSync } = await import('node:fs');
const entry = new URL('../dist/main.js', import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write('payout-batch: the compiled build is missing (dist/main.js) — run `npm run build` in the package folder\n');
  process.exit(1);
}
await import(entry.href);
