import { given, type OptionSpecs, textOptions } from './args.ts';
import type { Context, Subcommand } from './command.ts';
import { type Cell, table } from './format.ts';

/*
 * Builders for the shapes most subcommands share, so that a command states only what is its own: the call it
 * makes and how a person reads the answer.
 */

/** The answer of a create, an update or a workflow step: a headline, then the record as `show` prints it. */
export function headed<T>(headline: string, show: (record: T) => string): (record: T) => string {
  return (record) => `${headline}\n${show(record)}`;
}

/** What a subcommand that makes one call is made of: its usage, the call, and how a person reads the answer. */
export interface CallSpec<T> {
  synopsis?: string;
  summary: string;
  options?: OptionSpecs;
  args?: string[];
  send: (ctx: Context) => Promise<T>;
  render: (answer: T, ctx: Context) => string;
}

/** A subcommand that makes one call and prints its answer: the API's JSON with --json, else `render`. */
export function callCommand<T>(spec: CallSpec<T>): Subcommand {
  const { send, render, synopsis = '', ...usage } = spec;
  return {
    synopsis,
    ...usage,
    async run(ctx) {
      const answer = await send(ctx);
      ctx.print(answer, (shown) => render(shown, ctx));
      return 0;
    },
  };
}

/** A subcommand on the one record named by `<id>`; `synopsis` is the usage after `<id>`. */
export function recordCommand<T>(
  spec: Omit<CallSpec<T>, 'args' | 'send'> & { send: (ctx: Context, params: { id: string }) => Promise<T> },
): Subcommand {
  return callCommand({
    ...spec,
    synopsis: `<id> ${spec.synopsis ?? ''}`.trim(),
    args: ['id'],
    send: (ctx) => spec.send(ctx, { id: ctx.args[0]! }),
  });
}

/**
 * `list`: one call, printed as a table with a row for each item, then `footer` (a count, the next page).
 * `filters` names the text options that narrow the list and the query field each fills (`{ org: 'organizationId' }`);
 * `send` is given the query made of those that were typed.
 */
export function listCommand<Body extends { items: readonly unknown[] }, Field extends string = never>(
  spec: Omit<CallSpec<Body>, 'render' | 'send'> & {
    filters?: Record<string, Field>;
    send: (ctx: Context, query: Partial<Record<Field, string>>) => Promise<Body>;
    headers: string[];
    row: (item: Body['items'][number]) => Cell[];
    footer?: (body: Body) => string;
  },
): Subcommand {
  const { filters = {}, send, headers, row, footer, options, ...usage } = spec;
  return callCommand({
    ...usage,
    options: { ...textOptions(...Object.keys(filters)), ...options },
    send: (ctx) => send(ctx, given(ctx.values, filters)),
    render: (body) => table(headers, body.items.map(row)) + (footer?.(body) ?? ''),
  });
}
