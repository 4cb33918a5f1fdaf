#!/usr/bin/env node
// The `lgsp` command. Runs the prebuilt bundle of the sources while it is fresh (bin/bundle.mjs: `npm start`,
// `npm test` and the other npm scripts make it), and the TypeScript sources through tsx's loader otherwise — so an
// edited source is never served stale and there is no build step to forget. Gateway worker processes forked by
// node:cluster choose the same way (src/gateway/worker-entry.mjs).
import { freshApp } from './bundle.mjs';

const bundled = freshApp('src/cli/main.ts');
let entry = bundled;
if (!bundled) {
  const { register } = await import('tsx/esm/api');
  register();
  entry = '../src/cli/main.ts';
}
const { main } = await import(entry);
const code = await main(process.argv.slice(2));
process.exitCode = code;
