import { Alert, Empty, Input, Typography } from 'antd';
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

/**
 * Ant Design's placeholder grey is under WCAG AA contrast on white; the filters' placeholders say what an empty
 * filter means ("Mọi trạng thái"), so they are drawn readable.
 */
export const READABLE_PLACEHOLDER = { placeholder: { color: 'rgba(0, 0, 0, 0.65)' } } as const;

/** A list's empty state, in readable contrast (the table's own placeholder text is drawn in a light grey). */
export function EmptyState({ text }: { text: string }) {
  return <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={text} />;
}

/** The labels of a description list, drawn readable (Ant Design draws them in a grey under WCAG AA contrast). */
export const READABLE_LABEL = { label: { color: 'rgba(0, 0, 0, 0.72)' } } as const;

/**
 * A destructive action (revoke, cancel, delete) in a red dark enough for WCAG AA contrast: Ant Design's error red
 * (#ff4d4f) is not, on white or under white text.
 */
const DANGER_RED = '#a8071a';
export const DANGER_BUTTON = { danger: true, style: { color: DANGER_RED, borderColor: DANGER_RED } } as const;
export const DANGER_OK = {
  danger: true,
  style: { background: DANGER_RED, borderColor: DANGER_RED },
} as const;
