import type { ServedCategory, SnapshotData } from '../control/snapshot.ts';

/*
 * The shared category lists as the compiled snapshot holds them (issue 12 item 7): pure data, apart from the
 * endpoint that answers from them (categories.ts) — the snapshot compiler must not import the request path, which
 * imports the policy, which imports the compiled snapshot.
 */

export interface CompiledCategory {
  served: ServedCategory;
  /** Item index by its key (the first field), for `?code=`. */
  byKey: Map<string, number>;
}

export function compileCategories(data: SnapshotData['categories']): Map<string, CompiledCategory> {
  const compiled = new Map<string, CompiledCategory>();
  for (const served of data ?? []) {
    const key = served.fields[0]?.name ?? '';
    const byKey = new Map<string, number>();
    served.items.forEach((item, i) => {
      byKey.set(String(item[key]), i);
    });
    compiled.set(served.code, { served, byKey });
  }
  return compiled;
}
