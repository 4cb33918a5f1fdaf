import { Tag } from 'antd';
import type { ReactNode } from 'react';
import { useT } from './i18n.tsx';
import { VERSION_STATES } from './version-state.ts';

/**
 * Every state of the registry as a coloured tag with its Vietnamese and English names, written once here (and a
 * version's in shared/version-state.ts) so each screen names a state the same way.
 */
const STATES: Record<string, { vi: string; en: string; color: string }> = {
  active: { vi: 'Đang hoạt động', en: 'Active', color: 'green' },
  suspended: { vi: 'Tạm dừng', en: 'Suspended', color: 'orange' },
  revoked: { vi: 'Đã thu hồi', en: 'Revoked', color: 'red' },
  // A version's states are named once for the console and the portal (shared/version-state.ts).
  ...VERSION_STATES,
  idle: { vi: 'Không có giao dịch', en: 'Idle', color: 'default' },
  failing: { vi: 'Đang lỗi', en: 'Failing', color: 'red' },
  never: { vi: 'Chưa kết nối', en: 'Never connected', color: 'default' },
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

/** The environment options of a filter or form, named the same way as the tags. */
export function useEnvironmentOptions() {
  const t = useT();
  return [
    { value: 'sandbox', label: t('Sandbox', 'Sandbox') },
    { value: 'production', label: t('Chính thức', 'Production') },
  ];
}
