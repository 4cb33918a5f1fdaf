#!/usr/bin/env node
// The `lgsp` command. Runs the TypeScript sources through tsx's loader, so there is no build step to forget;
// gateway worker processes forked by node:cluster re-run this file and get the loader too.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
