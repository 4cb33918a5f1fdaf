import { Readable } from 'node:stream';
import { main } from '../../src/cli/main.ts';

/** What one `lgsp` command did: its exit code and everything it wrote. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs `lgsp <args>` in this process, as `bin/lgsp.mjs` would, with the output captured: no child process, so a
 * suite pays for starting node and the TypeScript loader once, not per command. `env` is all the command sees of
 * the environment (the CLI reads nothing else); `stdin` is what is piped in, if anything.
 */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  options: { stdin?: string } = {},
): Promise<CliRun> {
  let out = '';
  let err = '';
  const code = await main(args, {
    out: (text) => {
      out += text;
    },
    err: (text) => {
      err += text;
    },
    env,
    ...(options.stdin !== undefined ? { stdin: Readable.from([Buffer.from(options.stdin)]) } : {}),
  });
  return { code, out, err };
}

/** The settings that point the CLI at an admin API with a token, its own config home kept apart. */
export function adminEnv(url: string, token: string, configHome: string): Record<string, string> {
  return { LGSP_ADMIN_URL: url, LGSP_ADMIN_TOKEN: token, XDG_CONFIG_HOME: configHome };
}
