// Preloaded into a spawned CLI (node --import): prints the process's peak resident memory, worker threads
// included, as the last line of stderr, so a test can bound it.
import { writeSync } from 'node:fs';

process.on('exit', () => writeSync(2, `max_rss_kb=${process.resourceUsage().maxRSS}\n`));
