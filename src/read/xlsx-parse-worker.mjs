// Entry of the XLSX parsing thread when the tool runs from source (tests, benchmarks): plain JavaScript, so the
// thread starts without a TypeScript loader of its own; it registers tsx and runs the TypeScript module. The compiled
// build starts dist/read/xlsx-parse-thread.js directly and does not ship this file.
import { register } from 'tsx/esm/api';

register();
await import('./xlsx-parse-thread.ts');
