import { Alert } from 'antd';
import { type ReactNode, useEffect, useState } from 'react';
import { api, type OperationResponse, problemText } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { useUser } from '../../shared/session.tsx';
import { ColourTag } from '../../shared/tags.tsx';

export type OwnSystem = OperationResponse<'listSystems'>['items'][number];

/** The signed-in agency user's organization id (agency routes are only for that role, which always has one). */
export function useOrganizationId(): string {
  const user = useUser();
  return user.organizationId ?? '';
}

/**
 * The organization's own systems, for the pickers of the agency screens (an organization has a handful; the
 * API scopes the list to the agency's organization). Lists a person browses page on the server instead.
 */
export function useOwnSystems(filter?: (system: OwnSystem) => boolean) {
  const organizationId = useOrganizationId();
  const [systems, setSystems] = useState<OwnSystem[]>([]);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    api
      .call('listSystems', { query: { organizationId, limit: 100, offset: 0 } })
      .then((answer) => setSystems(answer.items))
      .catch(setError);
  }, [organizationId]);
  return { systems: filter ? systems.filter(filter) : systems, error };
}

/** The API's refusal as an alert, or nothing. */
export function ProblemAlert({ error }: { error: unknown }) {
  const t = useT();
  if (!error) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      title={<span style={{ whiteSpace: 'pre-line' }}>{problemText(error, t)}</span>}
    />
  );
}

const REQUEST_STATES: Record<string, { vi: string; en: string; color: string }> = {
  submitted: { vi: 'Đã gửi, chờ xử lý', en: 'Submitted', color: 'blue' },
  approved: { vi: 'Đã phê duyệt', en: 'Approved', color: 'green' },
  rejected: { vi: 'Bị từ chối', en: 'Rejected', color: 'red' },
  sandbox_approved: { vi: 'Được thử nghiệm (sandbox)', en: 'Sandbox approved', color: 'purple' },
  production_requested: { vi: 'Đề nghị chính thức', en: 'Production requested', color: 'blue' },
  production_approved: { vi: 'Được khai thác chính thức', en: 'Production approved', color: 'green' },
  needs_completion: { vi: 'Cần bổ sung', en: 'Needs completion', color: 'orange' },
  sandbox_test: { vi: 'Đang thử nghiệm', en: 'Sandbox test', color: 'purple' },
  applied: { vi: 'Đã áp dụng', en: 'Applied', color: 'green' },
  withdrawn: { vi: 'Đã rút', en: 'Withdrawn', color: 'default' },
  active: { vi: 'Đang hiệu lực', en: 'Active', color: 'green' },
  revoked: { vi: 'Đã thu hồi', en: 'Revoked', color: 'default' },
  suspended: { vi: 'Tạm dừng', en: 'Suspended', color: 'orange' },
};

/**
 * Text at the theme's full strength: Ant Design's grey description labels and light tag colours fall under the
 * WCAG AA contrast ratio (4.5:1), which the browser tests check on every screen.
 */
export const READABLE_TEXT = { color: 'rgba(0, 0, 0, 0.88)' } as const;
export const READABLE_LABELS = { label: READABLE_TEXT } as const;

/** A list's empty state, readable (the theme's grey placeholder text falls under the contrast ratio). */
export function EmptyText({ children }: { children: ReactNode }) {
  return <span style={READABLE_TEXT}>{children}</span>;
}

/** The state of a request, change, credential or subscription as a tag a person reads. */
export function StateTag({ state }: { state: string }) {
  const t = useT();
  const known = REQUEST_STATES[state] ?? { vi: state, en: state, color: 'default' };
  return <ColourTag color={known.color}>{t(known.vi, known.en)}</ColourTag>;
}

export const ENVIRONMENT_LABELS: Record<string, { vi: string; en: string }> = {
  sandbox: { vi: 'Thử nghiệm (sandbox)', en: 'Sandbox' },
  production: { vi: 'Chính thức (production)', en: 'Production' },
};
