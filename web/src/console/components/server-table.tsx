import { Grid, type PaginationProps, Table, type TableProps } from 'antd';
import type { useServerList } from '../../shared/server-list.ts';
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
  // On a phone (below 576 px) the table scrolls inside its card: its columns spilled past the screen's edge and
  // the whole page scrolled sideways. Wider screens keep the columns wrapping as before.
  const wide = Grid.useBreakpoint().sm !== false;
  return (
    <>
      <ProblemAlert error={list.error} />
      <Table<T>
        rowKey="id"
        {...table}
        scroll={wide ? table.scroll : { ...table.scroll, x: 'max-content' }}
        loading={list.loading}
        dataSource={list.items}
        pagination={list.pagination ?? false}
        locale={{ emptyText: <EmptyState text={emptyText} /> }}
      />
    </>
  );
}
