import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { DemoInfo } from '../../src/cli/demo.ts';

/** Runs `lgsp demo --json` as a user would (free ports), and returns its first stdout line parsed. */
export async function startDemo(env: Record<string, string> = {}): Promise<{
  info: DemoInfo;
  firstLine: string;
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<number | null>;
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
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill('SIGINT');
      }),
  };
}
