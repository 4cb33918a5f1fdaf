import { Tag, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useT } from '../../shared/i18n.tsx';
import { ColourTag } from '../../shared/tags.tsx';
import { versionState } from '../../shared/version-state.ts';

/**
 * The states of requests, proposals and alerts as a person reads them, Vietnamese first, with a colour that says
 * whether someone must act. Versions have their own, shared with the portal (`VersionStateTag`).
 */
const STATES: Record<string, [vi: string, en: string, color: string]> = {
  // connection requests, subscription requests, version changes
  submitted: ['Chờ xét duyệt', 'Submitted', 'gold'],
  approved: ['Đã phê duyệt', 'Approved', 'green'],
  rejected: ['Từ chối', 'Rejected', 'red'],
  sandbox_approved: ['Đã cấp sandbox', 'Sandbox approved', 'blue'],
  production_requested: ['Đề nghị chính thức', 'Production requested', 'gold'],
  production_approved: ['Đã cấp chính thức', 'Production approved', 'green'],
  needs_completion: ['Cần bổ sung', 'Needs completion', 'orange'],
  applied: ['Đã áp dụng', 'Applied', 'green'],
  sandbox_test: ['Đang thử nghiệm sandbox', 'Sandbox test', 'purple'],
  withdrawn: ['Đã rút', 'Withdrawn', 'default'],
  // alerts
  open: ['Đang mở', 'Open', 'red'],
  resolved: ['Đã xử lý', 'Resolved', 'green'],
  escalated: ['Đã báo cấp trên', 'Escalated', 'volcano'],
};

/** A table's empty text in the body colour (the table's own placeholder grey is too faint to read, WCAG AA). */
export function emptyText(text: string): ReactNode {
  return <Typography.Text>{text}</Typography.Text>;
}

export function StateTag({ state }: { state: string }) {
  const t = useT();
  const known = STATES[state];
  if (!known) return <Tag>{state}</Tag>;
  return <ColourTag color={known[2]}>{t(known[0], known[1])}</ColourTag>;
}

export function VersionStateTag({ state }: { state: string }) {
  const t = useT();
  const s = versionState(state);
  return <ColourTag color={s.color}>{t(s.vi, s.en)}</ColourTag>;
}

const SEVERITIES: Record<string, [vi: string, en: string, color: string]> = {
  critical: ['Nghiêm trọng', 'Critical', 'red'],
  warning: ['Cảnh báo', 'Warning', 'orange'],
  info: ['Thông tin', 'Info', 'blue'],
};

export function SeverityTag({ severity }: { severity: string }) {
  const t = useT();
  const known = SEVERITIES[severity];
  if (!known) return <Tag>{severity}</Tag>;
  return <ColourTag color={known[2]}>{t(known[0], known[1])}</ColourTag>;
}

const NOTICE_KINDS: Record<string, [vi: string, en: string]> = {
  deprecation: ['Ngừng phiên bản', 'Deprecation'],
  decommission: ['Ngừng dịch vụ', 'Decommission'],
  maintenance: ['Bảo trì', 'Maintenance'],
  endpoint_change: ['Đổi địa chỉ kết nối', 'Endpoint change'],
  announcement: ['Thông báo', 'Announcement'],
};

export function NoticeKindTag({ kind }: { kind: string }) {
  const t = useT();
  const known = NOTICE_KINDS[kind];
  return (
    <ColourTag color={kind === 'decommission' ? 'red' : 'blue'}>
      {known ? t(known[0], known[1]) : kind}
    </ColourTag>
  );
}
