import type { PaginationProps } from 'antd';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useT } from './i18n.tsx';

/**
 * A list paged and searched **on the server** (never all rows loaded): the API answers `{ items, total }` for
 * `limit`/`offset`/`q` and the list's own filters. Give it the call that fetches one page; it keeps page, search and
 * filters in step with the Ant Design table and reloads when they change.
 */
export interface PageRequest {
  limit: number;
  offset: number;
  q?: string;
}

export function useServerList<T, F extends Record<string, unknown> = Record<string, unknown>>(
  fetchPage: (request: PageRequest & F) => Promise<{ items: T[]; total?: number }>,
  initialFilters: F = {} as F,
  pageSize = 20,
) {
  const t = useT();
  const [page, setPage] = useState(1);
  const [size, setSize] = useState(pageSize);
  const [q, setQ] = useState('');
  const [filters, setFiltersState] = useState<F>(initialFilters);
  const [items, setItems] = useState<T[]>([]);
  const [total, setTotal] = useState(0);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  const fetchRef = useRef(fetchPage);
  fetchRef.current = fetchPage;

  useEffect(() => {
    let live = true;
    setLoading(true);
    const request = {
      ...filters,
      limit: size,
      offset: (page - 1) * size,
      ...(q ? { q } : {}),
    } as PageRequest & F;
    void version;
    fetchRef
      .current(request)
      .then((answer) => {
        if (!live) return;
        setItems(answer.items);
        setTotal(answer.total ?? answer.items.length);
        setError(null);
      })
      .catch((err) => live && setError(err))
      .finally(() => live && setLoading(false));
    return () => {
      live = false;
    };
  }, [page, size, q, filters, version]);

  const pagination: PaginationProps = {
    current: page,
    pageSize: size,
    total,
    showSizeChanger: true,
    // The figure alone beside the pager read as a stray number: it says what it counts, digits grouped.
    showTotal: (n) => t(`Tổng ${n.toLocaleString('vi-VN')}`, `${n.toLocaleString('en-US')} in all`),
    onChange: (p, s) => {
      setPage(s !== size ? 1 : p);
      setSize(s);
    },
  };

  return {
    items,
    total,
    loading,
    error,
    pagination,
    search: useCallback((text: string) => {
      setPage(1);
      setQ(text.trim());
    }, []),
    setFilters: useCallback((next: F) => {
      setPage(1);
      setFiltersState(next);
    }, []),
    reload: useCallback(() => setVersion((v) => v + 1), []),
  };
}
