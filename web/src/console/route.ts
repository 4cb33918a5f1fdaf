import type { ReactNode } from 'react';
import type { Role } from '../../../src/api/contract/auth.ts';

/**
 * One screen of the console: where it lives, its menu entry and who may open it. The menu shows a screen only to
 * the roles listed, and the route refuses the others — the API refuses them too (hidden *and* refused).
 */
export interface ConsoleRoute {
  /** Below `/`, without the leading slash, e.g. `services` or `services/:id`. */
  path: string;
  /** Menu text; a route without one (a detail page) is reached from its list. */
  menu?: { vi: string; en: string; group: MenuGroup; icon?: ReactNode; order?: number };
  roles: readonly Role[];
  element: ReactNode;
}

export type MenuGroup = 'overview' | 'review' | 'registry' | 'traffic' | 'platform' | 'agency';

export const MENU_GROUPS: Record<MenuGroup, { vi: string; en: string; order: number }> = {
  overview: { vi: 'Tổng quan', en: 'Overview', order: 0 },
  agency: { vi: 'Cơ quan của tôi', en: 'My organization', order: 1 },
  review: { vi: 'Xét duyệt', en: 'Review', order: 2 },
  registry: { vi: 'Danh mục', en: 'Registry', order: 3 },
  traffic: { vi: 'Giao dịch & thống kê', en: 'Traffic & statistics', order: 4 },
  platform: { vi: 'Vận hành nền tảng', en: 'Platform operations', order: 5 },
};
