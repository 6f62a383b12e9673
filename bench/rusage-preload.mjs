// Loaded with `node --import` into a benchmarked child: on exit, writes the process's own CPU time and peak RSS
// (getrusage) to the file named by BENCH_RUSAGE_FILE, so the parent measures the real CLI without wrapping it.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_RUSAGE_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: u.maxRSS, userUs: u.userCPUTime, systemUs: u.systemCPUTime }));
  });
}
