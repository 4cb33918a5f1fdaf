// Entry of a gateway worker process forked by node:cluster (see cluster.ts): loads the TypeScript sources
// through tsx, as bin/lgsp.mjs does, then runs the worker.
import { register } from 'tsx/esm/api';

register();
await import('./worker.ts');
