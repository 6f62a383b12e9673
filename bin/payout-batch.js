#!/usr/bin/env node
// The CLI is TypeScript run through tsx's loader, so the installed tool and the tests run the same source.
import { register } from 'tsx/esm/api';

register();
await import('../src/main.ts');
