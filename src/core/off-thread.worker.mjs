// One task of off-thread.ts on its own thread: loads the task's module from the prebuilt bundle while it is fresh,
// and from the TypeScript sources through tsx otherwise, as bin/lgsp.mjs does (bin/bundle.mjs); calls the task's
// function with its input and a way to ask the calling thread, and posts back its result — or the refusal it ended
// in. A result's own bytes are moved, not copied.
import { parentPort, workerData } from 'node:worker_threads';
import { freshApp } from '../../bin/bundle.mjs';

/** The task's function and the `LgspError` class its module throws: both from the bundle, or both from the sources. */
async function load() {
  const bundled = freshApp('off-thread-tasks');
  if (bundled) {
    const { modules, LgspError } = await import(bundled);
    const fn = modules[workerData.module]?.[workerData.name];
    if (fn) return { fn, LgspError };
  }
  const { register } = await import('tsx/esm/api');
  register();
  const { LgspError } = await import('./errors.ts');
  return { fn: (await import(workerData.module))[workerData.name], LgspError };
}

/** One question at a time: the task awaits each answer before it asks again. */
const ask = (question) =>
  new Promise((resolve) => {
    parentPort.once('message', (m) => resolve(m.answer));
    parentPort.postMessage({ question });
  });

/** A Uint8Array that is its buffer's only view can move; one inside a shared pool must be copied. */
const movable = (v) =>
  v instanceof Uint8Array && v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? [v.buffer] : [];

let LgspError;
try {
  const task = await load();
  LgspError = task.LgspError;
  const result = await task.fn(workerData.input, ask);
  const transfer =
    result !== null && typeof result === 'object' && !(result instanceof Uint8Array)
      ? Object.values(result).flatMap(movable)
      : movable(result);
  parentPort.postMessage({ result }, transfer);
} catch (err) {
  parentPort.postMessage(
    LgspError && err instanceof LgspError
      ? { refusal: { code: err.code, detail: err.detail, extra: err.extra } }
      : { failure: String(err?.message ?? err) },
  );
}
