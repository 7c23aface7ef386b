#!/usr/bin/env node
// The operator CLI (`npx vidgate help`); the TypeScript source is run through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli.ts');
