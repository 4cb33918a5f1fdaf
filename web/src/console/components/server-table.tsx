import { type PaginationProps, Table, type TableProps } from 'antd';
import type { useServerList } from '../../shared/server-list.ts';
import { useTableScroll } from '../../shared/table-scroll.ts';
import { EmptyState, ProblemAlert } from './page.tsx';

/** A page-numbered list (`useServerList`) or a cursor list with its own pager below (`useKeysetList`: no `pagination`). */
type ServerList<T> = Pick<ReturnType<typeof useServerList<T>>, 'items' | 'loading' | 'error'> & {
  pagination?: PaginationProps;
};

/**
 * A list paged on the server, as a table: its rows, page controls, loading state and refusal all come from one
 * list hook, so every list in the console pages, waits and fails the same way.
 */
export function ServerTable<T extends object>({
  list,
  emptyText,
  ...table
}: {
  list: ServerList<T>;
  /** What an empty list means, in the reader's words ("Không có đề nghị nào"). */
  emptyText: string;
} & Omit<TableProps<T>, 'dataSource' | 'loading' | 'pagination' | 'locale'>) {
  const scroll = useTableScroll<T>(table.scroll);
  return (
    <>
      <ProblemAlert error={list.error} />
      <Table<T>
        rowKey="id"
        {...table}
        scroll={scroll}
        loading={list.loading}
        dataSource={list.items}
        pagination={list.pagination ?? false}
        locale={{ emptyText: <EmptyState text={emptyText} /> }}
      />
    </>
  );
}
