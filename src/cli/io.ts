/**
 * Where the CLI reads and writes. `main` takes one so tests capture output and feed stdin without patching
 * process globals; by default it is the process's own streams.
 */
export interface CliIo {
  /** Standard output; receives whole chunks, each ending in a newline. */
  out: (text: string) => void;
  /** Standard error: messages for people (prompts, warnings, errors). */
  err: (text: string) => void;
  /** Environment for the client settings (client-config.ts); the process environment when absent. */
  env?: Record<string, string | undefined>;
  /** Input for `lgsp login --password-stdin` and the password prompt. */
  stdin?: CliStdin;
}

export type CliStdin = NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (mode: boolean) => unknown };

export function processIo(): CliIo {
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
    stdin: process.stdin,
  };
}

/** Reads the whole input (a password piped in), dropping the one newline that `echo` adds. */
export async function readAll(stdin: CliStdin): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

export class Interrupted extends Error {
  constructor() {
    super('interrupted');
    this.name = 'Interrupted';
  }
}

/** Prompts on stderr and reads a line from a terminal without echoing it, so the password is not on screen. */
export function readHidden(io: CliIo, stdin: CliStdin, prompt: string): Promise<string> {
  io.err(prompt);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = () => {
      stdin.setRawMode?.(false);
      stdin.pause();
      stdin.off('data', onData);
      io.err('\n');
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') {
          finish();
          resolve(value);
          return;
        }
        if (ch === '\u0003') {
          finish();
          reject(new Interrupted());
          return;
        }
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else value += ch;
      }
    };
    stdin.setRawMode?.(true);
    stdin.on('data', onData);
    stdin.resume();
  });
}
