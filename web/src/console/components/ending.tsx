import { Space, Typography } from 'antd';
import type { ReactNode } from 'react';
import type { OperationResponse } from '../../shared/api.ts';
import { useT } from '../../shared/i18n.tsx';
import { ColourTag } from '../../shared/tags.tsx';
import { formatDate, formatDateTime } from '../../shared/time.ts';

/** Why and when a subscription stops working, as the API's subscription read carries it. */
export type SubscriptionEnding = NonNullable<OperationResponse<'getSubscription'>['ending']>;

const DAY_MS = 86_400_000;
/** Under this many days left the tag turns red: a month is what a consumer needs to move, at the least. */
const URGENT_DAYS = 30;

/** Whole days until the end, counting a part day as one; 0 once the date has come. */
export function daysLeft(endsAt: string, nowMs = Date.now()): number {
  return Math.max(0, Math.ceil((Date.parse(endsAt) - nowMs) / DAY_MS));
}

/** The public portal's page of a notice: what the provider published, readable without signing in. */
export function noticeHref(noticeId: string): string {
  return `/portal/notices/${encodeURIComponent(noticeId)}`;
}

/**
 * The tag "Sắp ngừng / Ending" with the date (Vietnam time) and the days left, or "Đã ngừng / Ended" once the date
 * has come; the full date and time in its title.
 */
export function EndingTag({ ending }: { ending: SubscriptionEnding }) {
  const t = useT();
  const days = daysLeft(ending.endsAt);
  const date = formatDate(ending.endsAt);
  const text =
    days === 0
      ? t(`Đã ngừng ${date}`, `Ended ${date}`)
      : t(
          `Sắp ngừng ${date} · còn ${days} ngày`,
          `Ending ${date} · ${days} ${days === 1 ? 'day' : 'days'} left`,
        );
  // The console's tag colours with text dark enough to read (WCAG contrast), as every state tag.
  return (
    <span
      title={t(
        `Ngừng lúc ${formatDateTime(ending.endsAt)} (giờ Việt Nam)`,
        `Stops at ${formatDateTime(ending.endsAt)} (Vietnam time)`,
      )}
      data-testid="ending-tag"
    >
      <ColourTag color={days <= URGENT_DAYS ? 'red' : 'orange'}>{text}</ColourTag>
    </span>
  );
}

/** What is ending and what the consumer should do about it, one sentence. */
export function useEndingAdvice(): (ending: SubscriptionEnding) => string {
  const t = useT();
  return (ending) => {
    if (ending.kind === 'service_decommission')
      return t(
        'Dịch vụ ngừng cung cấp: tìm dịch vụ thay thế hoặc liên hệ cơ quan cung cấp.',
        'The service is being decommissioned: find a replacement or contact the provider.',
      );
    if (ending.replacementVersion)
      return t(
        `Phiên bản này ngừng hoạt động: đề nghị khai thác phiên bản ${ending.replacementVersion} và chuyển sang trước ngày đó.`,
        `This version is being retired: request version ${ending.replacementVersion} and move to it before then.`,
      );
    return t(
      'Phiên bản này ngừng hoạt động: liên hệ cơ quan cung cấp về phiên bản thay thế.',
      'This version is being retired: ask the provider which version replaces it.',
    );
  };
}

/**
 * The tag, what to do, and the public notice: a subscription's ending read in place; `action`, the step the reader
 * may take about it (the consumer's move to the newer version).
 */
export function EndingSummary({ ending, action }: { ending: SubscriptionEnding; action?: ReactNode }) {
  const t = useT();
  const advice = useEndingAdvice();
  return (
    <Space orientation="vertical" size={2}>
      <EndingTag ending={ending} />
      <Typography.Text type="secondary">{advice(ending)}</Typography.Text>
      {action}
      {ending.noticeId ? (
        <a href={noticeHref(ending.noticeId)} target="_blank" rel="noreferrer">
          {t('Thông báo công khai', 'Public notice')}
        </a>
      ) : null}
    </Space>
  );
}
