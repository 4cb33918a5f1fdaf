import { Tag } from 'antd';
import type { ReactNode } from 'react';
import { useT } from './i18n.tsx';
import { VERSION_STATES } from './version-state.ts';

/**
 * Every state of the registry as a coloured tag with its Vietnamese and English names, written once here (and a
 * version's in shared/version-state.ts) so each screen names a state the same way.
 */
const STATES: Record<string, { vi: string; en: string; color: string }> = {
  // A version's states are named once for the console and the portal (shared/version-state.ts); requests share
  // their names where the word is the same ("submitted", "rejected", "sandbox_test").
  ...VERSION_STATES,
  // credentials, subscriptions, systems
  active: { vi: 'Đang hoạt động', en: 'Active', color: 'green' },
  suspended: { vi: 'Tạm dừng', en: 'Suspended', color: 'orange' },
  revoked: { vi: 'Đã thu hồi', en: 'Revoked', color: 'red' },
  // connection requests, subscription requests, proposed version changes
  approved: { vi: 'Đã phê duyệt', en: 'Approved', color: 'green' },
  sandbox_approved: { vi: 'Đã cấp sandbox', en: 'Sandbox approved', color: 'blue' },
  production_requested: { vi: 'Đề nghị chính thức', en: 'Production requested', color: 'gold' },
  production_approved: { vi: 'Đã cấp chính thức', en: 'Production approved', color: 'green' },
  needs_completion: { vi: 'Cần bổ sung', en: 'Needs completion', color: 'orange' },
  applied: { vi: 'Đã áp dụng', en: 'Applied', color: 'green' },
  withdrawn: { vi: 'Đã rút', en: 'Withdrawn', color: 'default' },
  // alerts
  open: { vi: 'Đang mở', en: 'Open', color: 'red' },
  resolved: { vi: 'Đã xử lý', en: 'Resolved', color: 'green' },
  escalated: { vi: 'Đã báo cấp trên', en: 'Escalated', color: 'volcano' },
  acknowledged: { vi: 'Đã tiếp nhận', en: 'Acknowledged', color: 'gold' },
  // connected systems
  // Not "no transaction": an idle system may have contacted the platform (refused calls, token requests) — what it
  // lacks is a successful exchange in 24 hours (src/reports/connected-systems.ts).
  idle: {
    vi: 'Không có giao dịch thành công (24 giờ)',
    en: 'No successful exchange (24 h)',
    color: 'default',
  },
  failing: { vi: 'Đang lỗi', en: 'Failing', color: 'red' },
  never: { vi: 'Chưa kết nối', en: 'Never connected', color: 'default' },
  // environments
  sandbox: { vi: 'Sandbox', en: 'Sandbox', color: 'purple' },
  production: { vi: 'Chính thức', en: 'Production', color: 'blue' },
};

/**
 * The text colour of a tag: the darkest shade of its colour, since Ant Design's own tag text (the 7th shade) is
 * under WCAG AA contrast on the tag's light background.
 */
const DARK_TEXT: Record<string, string> = {
  green: '#135200',
  red: '#820014',
  orange: '#612500',
  gold: '#613400',
  blue: '#002c8c',
  purple: '#22075e',
  volcano: '#610b00',
};

/** A tag in one of the preset colours, its text readable. */
export function ColourTag({ color, children }: { color: string; children: ReactNode }) {
  return (
    <Tag
      color={color === 'default' ? undefined : color}
      style={{ color: DARK_TEXT[color] ?? 'rgba(0, 0, 0, 0.88)' }}
    >
      {children}
    </Tag>
  );
}

export function StateTag({ state }: { state: string | null | undefined }) {
  const t = useT();
  if (!state) return <>—</>;
  const known = STATES[state];
  return <ColourTag color={known?.color ?? 'default'}>{known ? t(known.vi, known.en) : state}</ColourTag>;
}

/** A state's (or an environment's) name as a person reads it, the same as its tag ("Sandbox", "Đã thu hồi"). */
export function useStateName(): (state: string) => string {
  const t = useT();
  return (state) => {
    const known = STATES[state];
    return known ? t(known.vi, known.en) : state;
  };
}

/** The options of a filter or form over some states (or environments), named the same way as their tags. */
export function useStateOptions(): (states: string[]) => Array<{ value: string; label: string }> {
  const name = useStateName();
  return (states) => states.map((value) => ({ value, label: name(value) }));
}

export const ENVIRONMENTS = ['sandbox', 'production'];

const SEVERITIES: Record<string, { vi: string; en: string; color: string }> = {
  critical: { vi: 'Nghiêm trọng', en: 'Critical', color: 'red' },
  warning: { vi: 'Cảnh báo', en: 'Warning', color: 'orange' },
  info: { vi: 'Thông tin', en: 'Info', color: 'blue' },
};

export function SeverityTag({ severity }: { severity: string }) {
  const t = useT();
  const known = SEVERITIES[severity];
  return <ColourTag color={known?.color ?? 'default'}>{known ? t(known.vi, known.en) : severity}</ColourTag>;
}

const NOTICE_KINDS: Record<string, { vi: string; en: string }> = {
  deprecation: { vi: 'Ngừng phiên bản', en: 'Deprecation' },
  decommission: { vi: 'Ngừng dịch vụ', en: 'Decommission' },
  maintenance: { vi: 'Bảo trì', en: 'Maintenance' },
  endpoint_change: { vi: 'Đổi địa chỉ kết nối', en: 'Endpoint change' },
  announcement: { vi: 'Thông báo', en: 'Announcement' },
  maintenance_cancelled: { vi: 'Huỷ bảo trì', en: 'Maintenance cancelled' },
  decommission_cancelled: { vi: 'Huỷ ngừng dịch vụ', en: 'Decommission cancelled' },
};

export function NoticeKindTag({ kind }: { kind: string }) {
  const t = useT();
  const known = NOTICE_KINDS[kind];
  return (
    <ColourTag color={kind === 'decommission' ? 'red' : kind.endsWith('_cancelled') ? 'green' : 'blue'}>
      {known ? t(known.vi, known.en) : kind}
    </ColourTag>
  );
}
