// A category file read on its own thread (read-rows.ts): loads the TypeScript sources through tsx, as
// bin/lgsp.mjs does, reads the rows, and posts them back — or the refusal that reading them ended in.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { readFileRows } = await import('./files.ts');
const { LgspError } = await import('../../core/errors.ts');
try {
  parentPort.postMessage({ rows: await readFileRows(workerData.format, workerData.content) });
} catch (err) {
  parentPort.postMessage(
    err instanceof LgspError
      ? { refusal: { code: err.code, detail: err.detail, extra: err.extra } }
      : { failure: String(err?.message ?? err) },
  );
}
