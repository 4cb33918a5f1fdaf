import { Catalogue } from './Catalogue.tsx';
import type { PortalRoute } from './route.ts';

/** Every public portal page (no sign-in). */
export const PORTAL_ROUTES: PortalRoute[] = [
  { path: '', menu: { vi: 'Danh mục dịch vụ', en: 'Service catalogue', order: 0 }, element: <Catalogue /> },
];
