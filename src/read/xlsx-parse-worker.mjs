// Entry of the XLSX parsing thread: plain JavaScript, so the thread starts without a TypeScript loader of its own;
// it registers tsx (resolved from this package, whatever the working directory) and runs the TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import('./xlsx-parse-thread.ts');
