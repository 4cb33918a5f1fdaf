import { ApiDocs } from './ApiDocs.tsx';
import { Catalogue } from './Catalogue.tsx';
import { Contacts } from './Contacts.tsx';
import { Guide } from './Guide.tsx';
import { NoticePage, Notices } from './Notices.tsx';
import type { PortalRoute } from './route.ts';
import { ServicePage } from './ServicePage.tsx';

/** Every public portal page (no sign-in). */
export const PORTAL_ROUTES: PortalRoute[] = [
  { path: '', menu: { vi: 'Danh mục dịch vụ', en: 'Service catalogue', order: 0 }, element: <Catalogue /> },
  { path: 'services/:id', element: <ServicePage /> },
  { path: 'versions/:id/docs', element: <ApiDocs /> },
  { path: 'guide', menu: { vi: 'Hướng dẫn kết nối', en: 'Connection guide', order: 1 }, element: <Guide /> },
  { path: 'notices', menu: { vi: 'Thông báo', en: 'Notices', order: 2 }, element: <Notices /> },
  { path: 'notices/:id', element: <NoticePage /> },
  {
    path: 'contacts',
    menu: { vi: 'Đầu mối liên hệ', en: 'Contact points', order: 3 },
    element: <Contacts />,
  },
];
