import { formatVietnamDateTime, utcOffsetLabel } from '../core/time.ts';
import { type Notice, type NoticeKind, noticeDates } from './contract/index.ts';

/**
 * The public notices as an Atom feed (RFC 4287), so the province's digital-transformation site can publish
 * cancellations and the other notices where R-21 says they appear, without scraping the portal. Every text a
 * person wrote (titles, bodies) goes in as escaped character data: a title holding `<script>` or `&` stays text.
 */

export const ATOM_MEDIA_TYPE = 'application/atom+xml; charset=utf-8';

/** How each kind of notice is named to a reader, Vietnamese first (the entry's category label). */
const KIND_LABELS: Record<NoticeKind, string> = {
  deprecation: 'Ngừng khuyến nghị phiên bản / Version deprecated',
  decommission: 'Ngừng cung cấp dịch vụ / Service withdrawn (R-21)',
  maintenance: 'Bảo trì / Maintenance',
  endpoint_change: 'Thay đổi địa chỉ kết nối / Endpoint change',
  announcement: 'Thông báo / Announcement',
  maintenance_cancelled: 'Huỷ bảo trì / Maintenance cancelled',
  decommission_cancelled: 'Huỷ ngừng cung cấp dịch vụ / Service end cancelled',
};

/**
 * Characters XML 1.0 cannot carry at all (C0 controls other than tab, newline and carriage return, lone
 * surrogates, U+FFFE/U+FFFF): dropped, since escaping cannot make them legal and one would break the whole feed.
 */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlText(value: string): string {
  return value
    .replace(NOT_XML, '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

export interface FeedSite {
  /** Where the portal is served: `admin.publicUrl`, or the address the admin port listens on. */
  baseUrl: string;
  provinceName: string;
  /** The platform's time zone (`timezoneOffsetMinutes`): the dates in the entries' text are read in it. */
  offsetMinutes: number;
}

/**
 * A `tag:` URI (RFC 4151) names the feed and each entry: stable across renames of the site's paths, and unique to
 * the province by its host name. The date is the day this naming scheme was minted, never a notice's.
 */
function tagOf(baseUrl: string, specific: string): string {
  return `tag:${new URL(baseUrl).hostname},2026:${specific}`;
}

export function noticesFeed(notices: Notice[], site: FeedSite, now: Date): string {
  const base = site.baseUrl;
  // Notices come newest first (lifecycle.listNotices): the feed changed when its first entry was published.
  const updated = notices[0]?.publishedAt ?? now.toISOString();
  const pageOf = (id: string) => `${base}/portal/notices/${encodeURIComponent(id)}`;
  const zone = utcOffsetLabel(site.offsetMinutes);
  const local = (iso: string) => `${formatVietnamDateTime(iso, site.offsetMinutes)} (${zone})`;
  const entries = notices.map((n) => {
    // A cancelled announcement keeps its entry, marked, updated at its cancellation (a reader that shows updates
    // sees it) and linked to it; the cancellation notice is its own new entry, which every reader sees, linked
    // back to what it cancels. Their dates are said in words first: a cancellation's are those of what it cancels.
    const title = n.cancelledBy ? `[Đã huỷ / Cancelled] ${n.title}` : n.title;
    const dates = noticeDates(n, local);
    const related = n.cancelledBy
      ? { id: n.cancelledBy.id, label: 'Thông báo huỷ / Cancellation' }
      : n.cancelsNoticeId
        ? { id: n.cancelsNoticeId, label: 'Thông báo bị huỷ / Cancelled notice' }
        : null;
    const text = [
      ...(dates ? [`${dates.vi} / ${dates.en}`] : []),
      ...(n.cancelledBy
        ? [
            `Đã huỷ lúc ${local(n.cancelledBy.at)}, xem / Cancelled at ${local(n.cancelledBy.at)}, see: ` +
              pageOf(n.cancelledBy.id),
          ]
        : []),
      n.body,
    ].join('\n\n');
    return [
      '  <entry>',
      `    <id>${xmlText(tagOf(base, `notice/${n.id}`))}</id>`,
      `    <title type="text">${xmlText(title)}</title>`,
      `    <updated>${xmlText(n.cancelledBy?.at ?? n.publishedAt)}</updated>`,
      `    <published>${xmlText(n.publishedAt)}</published>`,
      `    <link rel="alternate" type="text/html" href="${xmlText(pageOf(n.id))}"/>`,
      ...(related
        ? [
            `    <link rel="related" type="text/html" href="${xmlText(pageOf(related.id))}" title="${xmlText(related.label)}"/>`,
          ]
        : []),
      `    <category term="${xmlText(n.kind)}" label="${xmlText(KIND_LABELS[n.kind] ?? n.kind)}"/>`,
      `    <content type="text" xml:lang="vi">${xmlText(text)}</content>`,
      '  </entry>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="vi">',
    `  <id>${xmlText(tagOf(base, 'notices'))}</id>`,
    `  <title type="text">${xmlText(`Thông báo về dịch vụ chia sẻ dữ liệu — ${site.provinceName} / Data-sharing service notices`)}</title>`,
    `  <updated>${xmlText(updated)}</updated>`,
    `  <link rel="self" type="application/atom+xml" href="${xmlText(`${base}/api/v1/public/notices.atom`)}"/>`,
    `  <link rel="alternate" type="text/html" href="${xmlText(`${base}/portal/notices`)}"/>`,
    `  <author><name>${xmlText(site.provinceName)}</name></author>`,
    '  <generator>OpenLGSP</generator>',
    ...entries,
    '</feed>',
    '',
  ].join('\n');
}
