import { Alert, Empty, Input, Select, Typography } from 'antd';
import type { ReactNode } from 'react';
import type { Role } from '../../../../src/api/contract/auth.ts';
import { ApiError, problemText } from '../../shared/api.ts';
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

/**
 * A failed call, the one way every screen and dialog shows it: the API's problem text (its title already "Tiếng Việt
 * / English", then its detail and the fields it names), announced to screen readers; beneath it the problem's code —
 * linked to the platform's page that explains it (`/portal/errors/<code>`, docs/errors.md) — and its transaction id
 * where it has one, what a person quotes to the operator. `action`: a button to the place the refusal names (a
 * refusal for want of a sandbox call leads to "Cách gọi"). `onClose`: the refusal of an action taken on a screen
 * that stays open (a list's button, a confirmation that closed) can be dismissed — it stays until then, or until the
 * action is tried again; a refusal inside a dialog goes with the dialog.
 */
export function ProblemAlert({
  error,
  action,
  onClose,
}: {
  error: unknown;
  action?: ReactNode;
  onClose?: () => void;
}) {
  const t = useT();
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : null;
  const code = typeof problem?.code === 'string' ? problem.code : null;
  const transactionId = typeof problem?.['transactionId'] === 'string' ? problem['transactionId'] : null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={<span style={{ whiteSpace: 'pre-line' }}>{problemText(error, t)}</span>}
      description={
        code || transactionId ? (
          <span data-testid="problem-reference">
            {code ? (
              <>
                {t('Mã lỗi', 'Error code')}:{' '}
                <a href={`/portal/errors/${encodeURIComponent(code)}`} target="_blank" rel="noreferrer">
                  <code>{code}</code>
                </a>
              </>
            ) : null}
            {code && transactionId ? ' · ' : null}
            {transactionId ? (
              <>
                {t('Mã giao dịch', 'Transaction id')}: <code>{transactionId}</code>
              </>
            ) : null}
          </span>
        ) : undefined
      }
      action={action}
      closable={onClose ? { onClose, 'aria-label': t('Đóng thông báo lỗi', 'Dismiss the error') } : false}
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

/**
 * Text at the theme's full strength: Ant Design's grey description labels, placeholders and empty texts fall under
 * the WCAG AA contrast ratio (4.5:1), which the browser tests check on every screen.
 */
export const READABLE_TEXT = { color: 'rgba(0, 0, 0, 0.88)' } as const;

/** Secondary text (a code beside a name, a hint beside a button): smaller, grey, still above 4.5:1 on white. */
export const SECONDARY_TEXT = { color: 'rgba(0, 0, 0, 0.65)', fontSize: 12 } as const;

/** The labels of a description list, drawn readable. */
export const READABLE_LABEL = { label: READABLE_TEXT } as const;

/** A list's (or a section's) empty state, its text readable — for a table: `locale={{ emptyText: <EmptyState … /> }}`. */
export function EmptyState({ text }: { text: string }) {
  return (
    <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={<span style={READABLE_TEXT}>{text}</span>} />
  );
}

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

/** A list's filter by one value ("Mọi trạng thái" when empty): labelled, clearable, its placeholder readable. */
export function FilterSelect({
  label,
  placeholder,
  value,
  onChange,
  options,
  width = 180,
}: {
  label: string;
  /** What the empty filter means ("Mọi môi trường"). */
  placeholder: string;
  value: string | undefined;
  onChange: (value: string | undefined) => void;
  options: Array<{ value: string; label: string }>;
  width?: number;
}) {
  return (
    <Select
      aria-label={label}
      allowClear
      placeholder={placeholder}
      styles={READABLE_PLACEHOLDER}
      style={{ width }}
      value={value}
      onChange={(next?: string) => onChange(next)}
      options={options}
    />
  );
}

/**
 * What an upload takes, beside its button: the file types (the input's `accept`) and the server's own limit, read
 * from the API contract, so a person learns it before choosing, not from a refusal.
 */
export function UploadHint({ children }: { children: ReactNode }) {
  return (
    <Typography.Text className="upload-hint" style={SECONDARY_TEXT}>
      {children}
    </Typography.Text>
  );
}
