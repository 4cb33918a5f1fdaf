import { Alert, Input, Typography } from 'antd';
import type { ReactNode } from 'react';
import type { Role } from '../../../../src/api/contract/auth.ts';
import { problemText } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useUser } from '../../shared/session.tsx';

/** The screen's one heading (h1), with its actions on the right. */
export function PageTitle({ children, extra }: { children: ReactNode; extra?: ReactNode }) {
  return (
    <div style={{ display: 'flex', justifyContent: 'space-between', alignItems: 'center', marginBottom: 16 }}>
      <Typography.Title level={1} style={{ fontSize: 24, margin: 0 }}>
        {children}
      </Typography.Title>
      {extra}
    </div>
  );
}

/** The server-side search box of a list: a labelled field, searched on Enter or the button. */
export function SearchBox({
  label,
  onSearch,
}: {
  /** What the search covers, as the list's API searches it ("tên, mã định danh"). */
  label: string;
  onSearch: (text: string) => void;
}) {
  const t = useT();
  return (
    <Input.Search
      aria-label={label}
      placeholder={label}
      allowClear
      enterButton={t('Tìm', 'Search')}
      onSearch={onSearch}
      style={{ maxWidth: 420, marginBottom: 16 }}
    />
  );
}

/** A failed call as the API's problem text (already "Tiếng Việt / English"). */
export function ProblemAlert({ error }: { error: unknown }) {
  const t = useT();
  if (!error) return null;
  return (
    <Alert
      type="error"
      showIcon
      title={<span style={{ whiteSpace: 'pre-line' }}>{problemText(error, t)}</span>}
      style={{ marginBottom: 16 }}
    />
  );
}

/** Whether the signed-in user's role may take an action (the API refuses the others anyway). */
export function useCan(...roles: Role[]): boolean {
  return roles.includes(useUser().role);
}
