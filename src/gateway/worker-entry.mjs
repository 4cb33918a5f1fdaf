// Entry of a gateway worker process forked by node:cluster (see cluster.ts): runs the worker from the prebuilt
// bundle while it is fresh, and from the TypeScript sources through tsx otherwise, as bin/lgsp.mjs does.
import { freshApp } from '../../bin/bundle.mjs';

const bundled = freshApp('src/gateway/worker.ts');
if (bundled) {
  await import(bundled);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./worker.ts');
}
