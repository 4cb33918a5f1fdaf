import { GLOBAL_OPTIONS_HELP, type OptionSpecs, type Parsed, parse, splitFirst, UsageError } from './args.ts';
import { ApiClient } from './client.ts';
import { type ClientSettings, clientEnvironment, resolveSettings } from './client-config.ts';
import { terminalSafe } from './format.ts';
import type { CliIo } from './io.ts';

/** What a subcommand runs with: the parsed arguments, the API client and where to write. */
export interface Context {
  io: CliIo;
  settings: ClientSettings;
  api: ApiClient;
  json: boolean;
  /** Positional arguments after the subcommand name, checked against `args`. */
  args: string[];
  values: Parsed['values'];
  usage: string;
  /** Prints a value as the API's JSON (with --json) or with the human formatter, which is given the value. */
  print<T>(body: T, human: (body: T) => string): void;
}

export interface Subcommand {
  /** Usage line after `lgsp <group> <name>`, e.g. `<id> [--reason <lý do>]`. */
  synopsis: string;
  /** One line, Vietnamese / English. */
  summary: string;
  options?: OptionSpecs;
  /** Names of the positional arguments it requires. */
  args?: string[];
  run(ctx: Context): Promise<number | undefined>;
}

export interface Group {
  name: string;
  summary: string;
  subcommands: Record<string, Subcommand>;
}

export function groupUsage(group: Group): string {
  const lines = Object.entries(group.subcommands).map(
    ([name, sub]) =>
      `  lgsp ${group.name} ${name}${sub.synopsis ? ` ${sub.synopsis}` : ''}\n      ${sub.summary}`,
  );
  return `${group.summary}\n\nCách dùng / Usage:\n${lines.join('\n')}\n\n${GLOBAL_OPTIONS_HELP}`;
}

function subUsage(label: string, sub: Subcommand): string {
  return `Cách dùng / Usage: lgsp ${label}${sub.synopsis ? ` ${sub.synopsis}` : ''}\n  ${sub.summary}`;
}

/** Finds the subcommand and runs it. */
export async function runGroup(group: Group, argv: string[], io: CliIo): Promise<number> {
  const allOptions: OptionSpecs = {};
  for (const sub of Object.values(group.subcommands)) Object.assign(allOptions, sub.options);
  const { name, rest } = splitFirst(argv, allOptions);
  const sub = name && Object.hasOwn(group.subcommands, name) ? group.subcommands[name] : undefined;
  if (!name || !sub) {
    const { values } = parse(rest, allOptions, groupUsage(group));
    if (!name && values['help'] === true) {
      io.out(`${groupUsage(group)}\n`);
      return 0;
    }
    throw new UsageError(
      name
        ? `Lệnh con không hợp lệ / Unknown subcommand: ${group.name} ${name}`
        : `Thiếu lệnh con / Missing subcommand for ${group.name}`,
      groupUsage(group),
    );
  }
  return runCommand(`${group.name} ${name}`, sub, rest, io);
}

/** Parses one command's options strictly, checks its positionals, builds the client and runs it. */
export async function runCommand(label: string, sub: Subcommand, argv: string[], io: CliIo): Promise<number> {
  const usage = subUsage(label, sub);
  const { values, positionals } = parse(argv, sub.options ?? {}, usage);
  if (values['help'] === true) {
    io.out(`${usage}\n\n${GLOBAL_OPTIONS_HELP}\n`);
    return 0;
  }
  const expected = sub.args ?? [];
  if (positionals.length !== expected.length) {
    throw new UsageError(
      positionals.length < expected.length
        ? `Thiếu / Missing <${expected[positionals.length]}>`
        : `Thừa tham số / Unexpected argument: ${positionals[expected.length]}`,
      usage,
    );
  }
  const settings = resolveSettings(
    { url: values['url'] as string | undefined, token: values['token'] as string | undefined },
    clientEnvironment(io.env),
  );
  const json = values['json'] === true;
  const ctx: Context = {
    io,
    settings,
    api: new ApiClient(settings.url, settings.token),
    json,
    args: positionals,
    values,
    usage,
    print(body, human) {
      if (json) {
        io.out(`${JSON.stringify(body, null, 2)}\n`);
        return;
      }
      // Every chunk ends in a newline (CliIo): a render without one ran into the shell prompt or the next output.
      const text = terminalSafe(human(body));
      io.out(text.endsWith('\n') ? text : `${text}\n`);
    },
  };
  return (await sub.run(ctx)) ?? 0;
}
