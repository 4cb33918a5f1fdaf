import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DemoInfo } from '../../src/cli/demo.ts';

/** Runs `lgsp demo --json` as a user would (free ports), and returns its first stdout line parsed. */
export async function startDemo(env: Record<string, string> = {}): Promise<{
  info: DemoInfo;
  firstLine: string;
  child: ChildProcess;
  output: () => string;
  /** Sends SIGINT once and resolves with the exit code, or the signal's name if a signal ended it. */
  stop: () => Promise<number | string | null>;
}> {
  const child = spawn(process.execPath, ['bin/lgsp.mjs', 'demo', '--json'], {
    env: { ...process.env, LGSP_GATEWAY_PORT: '0', LGSP_ADMIN_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const lines = createInterface({ input: child.stdout! });
  const firstLine = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`demo did not start in 120 s: ${output}`)), 120_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`demo exited with ${code}: ${output}`)));
  });
  lines.on('line', (l) => (output += `${l}\n`));
  return {
    info: JSON.parse(firstLine) as DemoInfo,
    firstLine,
    child,
    output: () => output,
    // Already ended (by a code or by a signal, when exitCode stays null): resolve at once, never wait for an
    // 'exit' that has already been emitted — a second stop after a failed assertion must not hang the test.
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null)
          return resolve(child.exitCode ?? child.signalCode);
        child.once('exit', (code, signal) => resolve(code ?? signal));
        child.kill('SIGINT');
      }),
  };
}
