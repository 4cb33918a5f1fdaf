/**
 * Waits until `check` holds, looking again after every turn of work (20 ms apart); fails after `timeoutMs`. The
 * limit only turns a hang into a failure, so it is generous: a test must never fail because the machine is busy
 * (issue 9). Returns how long it took.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  options: { timeoutMs?: number; what?: string } = {},
): Promise<number> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const start = Date.now();
  for (;;) {
    if (await check()) return Date.now() - start;
    if (Date.now() - start > timeoutMs) {
      throw new Error(`${options.what ?? 'condition'} not reached in ${timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}
