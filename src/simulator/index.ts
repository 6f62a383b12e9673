export {
  DEFAULT_BALANCE_MINOR,
  DEFAULT_SETTLE_MS,
  SIMULATOR_CREDENTIALS,
  startSimulator,
  type FaultSpec,
  type RunningSimulator,
  type SimulatorOptions,
} from './start-simulator.ts';
export { parseFaultSpec } from './core/fault-spec.ts';
export type { JournalEntry } from './core/payout-book.ts';
