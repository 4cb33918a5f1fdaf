import {
  ApiOutlined,
  AppstoreOutlined,
  FileTextOutlined,
  HomeOutlined,
  KeyOutlined,
} from '@ant-design/icons';
import { Navigate } from 'react-router-dom';
import { AgencyHome } from './agency/AgencyHome.tsx';
import { ConnectionRequests } from './agency/ConnectionRequests.tsx';
import { AgencyKeys } from './agency/Keys.tsx';
import { OurServices } from './agency/OurServices.tsx';
import { AgencyServicePage } from './agency/ServicePage.tsx';
import { AgencySubscriptions } from './agency/Subscriptions.tsx';
import { AgencySystemPage } from './agency/SystemPage.tsx';
import type { ConsoleRoute } from './route.ts';

/**
 * The agency workspace: an agency user's own organization only (the API scopes every answer to it and refuses the
 * rest). Lists shared with the operator (transactions, statistics, webhooks) are the registry screens', linked.
 * Each screen has its own first path segment (`agency-…`): the menu marks the entry of the first segment.
 */
const AGENCY = ['agency'] as const;

export const agencyRoutes: ConsoleRoute[] = [
  {
    path: 'agency',
    menu: {
      vi: 'Tổng quan cơ quan',
      en: 'Organization overview',
      group: 'agency',
      icon: <HomeOutlined />,
      order: 0,
    },
    roles: AGENCY,
    element: <AgencyHome />,
  },
  {
    path: 'agency-systems/:id',
    roles: AGENCY,
    element: <AgencySystemPage />,
  },
  {
    path: 'agency-connection-requests',
    menu: {
      vi: 'Đề nghị kết nối',
      en: 'Connection requests',
      group: 'agency',
      icon: <FileTextOutlined />,
      order: 1,
    },
    roles: AGENCY,
    element: <ConnectionRequests />,
  },
  {
    path: 'agency-services',
    menu: {
      vi: 'Dịch vụ của cơ quan',
      en: 'Our services',
      group: 'agency',
      icon: <AppstoreOutlined />,
      order: 2,
    },
    roles: AGENCY,
    element: <OurServices />,
  },
  {
    path: 'agency-services/:id',
    roles: AGENCY,
    element: <AgencyServicePage />,
  },
  {
    path: 'agency-subscriptions',
    menu: {
      vi: 'Đề nghị khai thác',
      en: 'Subscription requests',
      group: 'agency',
      icon: <ApiOutlined />,
      order: 3,
    },
    roles: AGENCY,
    element: <AgencySubscriptions />,
  },
  {
    path: 'agency-keys',
    menu: { vi: 'Khoá của cơ quan', en: 'Our keys', group: 'agency', icon: <KeyOutlined />, order: 4 },
    roles: AGENCY,
    element: <AgencyKeys />,
  },
  // The registry's credentials and subscriptions screens are the operator's; an agency's link or bookmark to one
  // opens its own screen for the same things.
  { path: 'credentials', roles: AGENCY, element: <Navigate to="/agency-keys" replace /> },
  { path: 'subscriptions', roles: AGENCY, element: <Navigate to="/agency-subscriptions" replace /> },
];
