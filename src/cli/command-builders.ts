import { given, type OptionSpecs, positiveInt, str, textOptions, UsageError } from './args.ts';
import type { Context, Subcommand } from './command.ts';
import { type Cell, count, table } from './format.ts';

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
    footer?: (body: Body, ctx: Context) => string;
  },
): Subcommand {
  const { filters = {}, send, headers, row, footer, options, ...usage } = spec;
  return callCommand({
    ...usage,
    options: { ...textOptions(...Object.keys(filters)), ...options },
    send: (ctx) => send(ctx, given(ctx.values, filters)),
    render: (body, ctx) => table(headers, body.items.map(row)) + (footer?.(body, ctx) ?? ''),
  });
}

/**
 * The paging a person asks for on a registry list (docs/api-lists.md): `--search`, `--sort`, `--limit`, `--offset`.
 * `sort` is passed through as typed (`never`: each list has its own keys), and the API refuses an unknown one.
 */
export interface PageArgs {
  q?: string;
  sort?: never;
  limit?: number;
  offset?: number;
}

/**
 * `list` of a registry list the server pages (issue 11): `listCommand` with the paging options, and a footer that
 * says which rows are shown of how many match and how to get the next page (then the list's own `footer`).
 */
export function pagedListCommand<
  Body extends { items: readonly unknown[]; total: number },
  Field extends string = never,
>(
  spec: Omit<Parameters<typeof listCommand<Body, Field>>[0], 'send'> & {
    send: (ctx: Context, query: Partial<Record<Field, string>> & PageArgs) => Promise<Body>;
  },
): Subcommand {
  const { send, synopsis, options, footer, ...rest } = spec;
  return listCommand<Body, Field>({
    ...rest,
    synopsis: `${synopsis ?? ''} [--search <chữ>] [--sort <trường>] [--limit N] [--offset N]`.trim(),
    options: { ...textOptions('search', 'sort', 'limit', 'offset'), ...options },
    send: (ctx, query) => send(ctx, { ...query, ...pageArgs(ctx) }),
    footer: (body, ctx) => shownOf(body, pageArgs(ctx).offset ?? 0) + (footer?.(body, ctx) ?? ''),
  });
}

/** The paging options as typed, for a paged list that is not a plain `list` (a version's consumers). */
export function pageArgs(ctx: Context): PageArgs {
  const q = str(ctx.values, 'search');
  const sort = str(ctx.values, 'sort');
  const limit = positiveInt(ctx.values, 'limit', ctx.usage);
  const offset = str(ctx.values, 'offset');
  if (offset !== undefined && !/^(0|[1-9][0-9]{0,6})$/.test(offset)) {
    throw new UsageError(`--offset: cần số nguyên ≥ 0 / expected an integer ≥ 0: ${offset}`, ctx.usage);
  }
  return {
    ...(q !== undefined ? { q } : {}),
    ...(sort !== undefined ? { sort: sort as never } : {}),
    ...(limit !== undefined ? { limit } : {}),
    ...(offset !== undefined ? { offset: Number(offset) } : {}),
  };
}

/** "Hiển thị 51–100 / 1000 …": which rows of how many, and the option that shows the next ones. */
export function shownOf(body: { items: readonly unknown[]; total: number }, offset: number): string {
  const shown = body.items.length;
  const range = shown === 0 ? '0' : `${offset + 1}–${offset + shown}`;
  const next = offset + shown < body.total ? ` — trang sau / next page: --offset ${offset + shown}` : '';
  return `Hiển thị / Showing ${range} / ${count(body.total)}${next}\n`;
}
