import type { VERSION_STATUSES } from '../../../src/api/contract/versions.ts';

type VersionStatus = (typeof VERSION_STATUSES)[number];

/** A version's state as a person reads it, and the tag colour the console and the portal both use. */
export const VERSION_STATES: Record<VersionStatus, { vi: string; en: string; color: string }> = {
  draft: { vi: 'Bản nháp', en: 'Draft', color: 'default' },
  submitted: { vi: 'Đã gửi, chờ xét duyệt', en: 'Submitted', color: 'gold' },
  sandbox_test: { vi: 'Đang thử nghiệm', en: 'Sandbox test', color: 'purple' },
  rejected: { vi: 'Bị từ chối', en: 'Rejected', color: 'red' },
  published: { vi: 'Đã công bố', en: 'Published', color: 'green' },
  deprecated: { vi: 'Sắp ngừng', en: 'Deprecated', color: 'orange' },
  retired: { vi: 'Đã ngừng', en: 'Retired', color: 'default' },
};

export function versionState(state: string): { vi: string; en: string; color: string } {
  return VERSION_STATES[state as VersionStatus] ?? { vi: state, en: state, color: 'default' };
}
