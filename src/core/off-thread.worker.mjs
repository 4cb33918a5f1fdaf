// One task of off-thread.ts on its own thread: loads the TypeScript sources through tsx, as bin/lgsp.mjs does,
// calls the task's function with its input and a way to ask the calling thread, and posts back its result — or the
// refusal it ended in. A result's own bytes are moved, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
const { LgspError } = await import('./errors.ts');

/** One question at a time: the task awaits each answer before it asks again. */
const ask = (question) =>
  new Promise((resolve) => {
    parentPort.once('message', (m) => resolve(m.answer));
    parentPort.postMessage({ question });
  });

/** A Uint8Array that is its buffer's only view can move; one inside a shared pool must be copied. */
const movable = (v) =>
  v instanceof Uint8Array && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? [v.buffer] : [];

try {
  const task = (await import(workerData.module))[workerData.name];
  const result = await task(workerData.input, ask);
  const transfer =
    result !== null && typeof result === 'object' && !(result instanceof Uint8Array)
      ? Object.values(result).flatMap(movable)
      : movable(result);
  parentPort.postMessage({ result }, transfer);
} catch (err) {
  parentPort.postMessage(
    err instanceof LgspError
      ? { refusal: { code: err.code, detail: err.detail, extra: err.extra } }
      : { failure: String(err?.message ?? err) },
  );
}
