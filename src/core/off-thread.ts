import { Worker } from 'node:worker_threads';
import { LgspError } from './errors.ts';

/**
 * Work on hostile input that holds a thread for long — reading a party's or an operator's file, a provider's WSDL —
 * done on a thread of its own: in the single-process default the admin API, the console and the gateway share one
 * event loop (DESIGN.md "Shape"), and a 64 MB reconciliation file read on it held every gateway call 4.3 s
 * (bench/reconcile-lag.ts). Here that stretch, its memory (`heapMb`) and its time (`timeMs`) are the thread's,
 * and the process goes on answering. A thread per task: such tasks are rare, and a thread that ends takes all of
 * the input's memory with it.
 */

/** A task: a function exported by a module, called on the thread as `fn(input, ask)`. */
export interface OffThreadTask {
  /**
   * The module's URL, written exactly `module: new URL('./x.ts', import.meta.url)`: bin/bundle.mjs finds the task
   * modules by that shape for the bundle the thread loads, and the thread loads the sources through tsx otherwise.
   */
  module: URL;
  /** The name of the exported function. */
  name: string;
}

/** What a task's function is: its input, and a way to ask the calling thread for more (what it alone can read). */
export type OffThreadFunction<I, Q, A, O> = (input: I, ask: (question: Q) => Promise<A>) => O | Promise<O>;

export interface OffThreadLimits {
  /** The most heap the task may take (V8's old generation; a Buffer's bytes are outside it). */
  heapMb: number;
  /** The longest the task may take, asking included. */
  timeMs: number;
  /**
   * The refusal (a 413 of the caller's kind) when the task needs more memory or time: `why` says which, in
   * Vietnamese and English, for the caller to put after its own subject (`đọc tệp ${vi} / reading the file ${en}`).
   */
  tooLarge: (why: { vi: string; en: string }) => LgspError;
  /** The refusal when the thread ended without an answer (the input broke the reader itself). */
  unreadable: () => LgspError;
}

export interface OffThreadOptions<Q, A> {
  /** Buffers of the input handed to the thread rather than copied (the caller no longer uses them). */
  transfer?: ArrayBuffer[];
  /** Answers the task's questions, one at a time, on the calling thread. */
  answer?: (question: Q) => Promise<A>;
}

/** The messages between the two threads (off-thread.worker.mjs writes the other side). */
type FromTask =
  | { result: unknown }
  | { question: unknown }
  | { refusal: { code: never; detail?: string; extra: Record<string, unknown> } }
  | { failure: string };

/**
 * Runs `task` on a thread of its own with `input` (structured-cloned, or moved with `transfer`), bounded by
 * `limits`: what the task throws as an LgspError is thrown here as the same refusal; outgrowing its heap or time
 * is `limits.tooLarge`. The result's own bytes (a Uint8Array, at the top
 * or as a property) are moved back, not copied.
 */
export function runOffThread<T, Q = never, A = never>(
  task: OffThreadTask,
  input: unknown,
  limits: OffThreadLimits,
  options: OffThreadOptions<Q, A> = {},
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const worker = new Worker(new URL('./off-thread.worker.mjs', import.meta.url), {
      workerData: { module: task.module.href, name: task.name, input },
      transferList: options.transfer ?? [],
      resourceLimits: { maxOldGenerationSizeMb: limits.heapMb },
    });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      outcome();
    };
    const seconds = limits.timeMs / 1000;
    const timer = setTimeout(
      () =>
        settle(() => reject(limits.tooLarge({ vi: `mất hơn ${seconds} s`, en: `takes over ${seconds} s` }))),
      limits.timeMs,
    );
    worker.on('message', (m: FromTask) => {
      if ('question' in m) {
        const answer = options.answer;
        if (!answer) return settle(() => reject(new Error(`${task.name}: asked, but nobody answers`)));
        answer(m.question as Q).then(
          (value) => {
            if (!settled) worker.postMessage({ answer: value });
          },
          (err) => settle(() => reject(err)),
        );
        return;
      }
      settle(() => {
        if ('result' in m) resolve(m.result as T);
        else if ('refusal' in m) reject(new LgspError(m.refusal.code, m.refusal.detail, m.refusal.extra));
        else reject(new Error(`${task.name} failed on its thread: ${m.failure}`));
      });
    });
    worker.once('error', (err: NodeJS.ErrnoException) =>
      settle(() =>
        reject(
          err.code === 'ERR_WORKER_OUT_OF_MEMORY'
            ? limits.tooLarge({
                vi: `cần hơn ${limits.heapMb} MiB bộ nhớ`,
                en: `needs more than ${limits.heapMb} MiB of memory`,
              })
            : err,
        ),
      ),
    );
    worker.once('exit', () => settle(() => reject(limits.unreadable())));
  });
}
