import { Input, Segmented, Space } from 'antd';
import { useT } from '../../shared/i18n.tsx';

/**
 * Above a server-paged list: the search box (the API's `q`) and the state filter. Both reload the first page from
 * the server; nothing is filtered in the browser.
 */
export function ReviewListToolbar<S extends string>({
  searchLabel,
  onSearch,
  states,
  state,
  onState,
}: {
  searchLabel: string;
  onSearch: (text: string) => void;
  states?: Array<{ value: S | 'all'; vi: string; en: string }>;
  state?: S | 'all';
  onState?: (state: S | 'all') => void;
}) {
  const t = useT();
  return (
    <Space wrap style={{ marginBottom: 16 }}>
      <Input.Search
        aria-label={searchLabel}
        placeholder={searchLabel}
        allowClear
        onSearch={onSearch}
        style={{ width: 320 }}
      />
      {states && onState && (
        <Segmented
          aria-label={t('Lọc theo trạng thái', 'Filter by state')}
          value={state}
          options={states.map((s) => ({ value: s.value, label: t(s.vi, s.en) }))}
          onChange={(value) => onState(value as S | 'all')}
        />
      )}
    </Space>
  );
}
