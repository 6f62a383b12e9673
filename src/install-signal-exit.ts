// Imported first by main.ts, so that even an entry that skips bin/payout-batch.js handles SIGINT / SIGTERM before
// the rest of the program loads (see process-signals.ts).
import { installSignalExit } from './process-signals.ts';

installSignalExit();
