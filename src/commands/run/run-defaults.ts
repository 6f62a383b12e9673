/**
 * Seconds a request in flight gets to finish after the first SIGINT / SIGTERM. Kept apart from run-command.ts so the
 * CLI wiring can show it without loading the command.
 */
export const DEFAULT_GRACE_SECONDS = 15;
