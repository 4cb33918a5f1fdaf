import { useCallback, useEffect, useRef, useState } from 'react';

/**
 * A list paged on the server by cursor (transactions, audit events: large and append-only, so the API answers
 * `{ items, nextCursor }` instead of counting every row): "next" follows the cursor, "previous" goes back to the
 * cursor that opened the page before. The filters restart it at the first page.
 */
export function useKeysetList<T, F extends Record<string, unknown>>(
  fetchPage: (
    request: F & { limit: number; cursor?: string },
  ) => Promise<{ items: T[]; nextCursor: string | null }>,
  initialFilters: F,
  pageSize = 50,
) {
  const [filters, setFiltersState] = useState<F>(initialFilters);
  // The cursor that opened each page seen so far; the first page has none.
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const [items, setItems] = useState<T[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;
  const cursor = cursors[cursors.length - 1];

  useEffect(() => {
    let live = true;
    setLoading(true);
    void version;
    fetchRef
      .current({ ...filters, limit: pageSize, ...(cursor ? { cursor } : {}) })
      .then((page) => {
        if (!live) return;
        setItems(page.items);
        setNextCursor(page.nextCursor);
        setError(null);
      })
      .catch((err) => {
        if (!live) return;
        setItems([]);
        setNextCursor(null);
        setError(err);
      })
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [filters, cursor, pageSize, version]);

  return {
    items,
    loading,
    error,
    page: cursors.length,
    hasNext: nextCursor !== null,
    hasPrevious: cursors.length > 1,
    next: useCallback(() => {
      if (nextCursor) setCursors((list) => [...list, nextCursor]);
    }, [nextCursor]),
    previous: useCallback(() => setCursors((list) => (list.length > 1 ? list.slice(0, -1) : list)), []),
    setFilters: useCallback((next: F) => {
      setCursors([undefined]);
      setFiltersState(next);
    }, []),
    reload: useCallback(() => setVersion((v) => v + 1), []),
  };
}
