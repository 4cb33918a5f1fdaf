import { type ChildProcess, spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { createInterface } from 'node:readline';
import type { DemoInfo } from '../../src/cli/demo.ts';

/**
 * Runs `lgsp demo --json` as a user would (free ports), and returns its first stdout line parsed. A variable given
 * as undefined is removed from the demo's environment (to run it with its default ports). `args` are more of the
 * demo's own arguments: `--no-federation` for a test the two simulated peers play no part in (each is a whole
 * platform more to start on a fresh store: about half the demo's start).
 */
export async function startDemo(
  env: Record<string, string | undefined> = {},
  args: string[] = [],
): Promise<{
  info: DemoInfo;
  firstLine: string;
  child: ChildProcess;
  output: () => string;
  /** Sends SIGINT once and resolves with the exit code, or the signal's name if a signal ended it. */
  stop: () => Promise<number | string | null>;
}> {
  const child = spawn(process.execPath, ['bin/lgsp.mjs', 'demo', '--json', ...args], {
    env: { ...process.env, LGSP_GATEWAY_PORT: '0', LGSP_ADMIN_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
  const lines = createInterface({ input: child.stdout! });
  // One listener from the start: the lines after the first may come in the same chunk, emitted at once, before a
  // listener added after the first line's promise resolves would hear them.
  let onFirstLine: ((line: string) => void) | null = null;
  lines.on('line', (line) => {
    if (onFirstLine) onFirstLine(line);
    else output += `${line}\n`;
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    // A demo that did not start is stopped too: nobody holds it to stop it later, and its open pipes would keep
    // the test process (and `npm test`) waiting for ever.
    const timer = setTimeout(() => {
      child.kill('SIGINT');
      reject(new Error(`demo did not start in 120 s: ${output}`));
    }, 120_000);
    onFirstLine = (line) => {
      onFirstLine = null;
      clearTimeout(timer);
      resolve(line);
    };
    // 'close', not 'exit': the stderr that explains the exit has been read by then.
    child.once('close', (code) => reject(new Error(`demo exited with ${code}: ${output}`)));
  });
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

/**
 * A listener on a free port of `host`, standing in for `npm start` holding a port the demo prefers (issue 11): the
 * demo is pointed at it through LGSP_DEMO_DEFAULT_*_PORT, so a test never touches 8280/9080 themselves.
 */
export function holdPort(host: string): Promise<{ server: Server; port: number }> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ host, port: 0 }, () => {
      const address = server.address();
      resolve({ server, port: typeof address === 'object' && address ? address.port : 0 });
    });
  });
}
