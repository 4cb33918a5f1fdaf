import { HomeOutlined } from '@ant-design/icons';
import { ALL_ROLES } from '../shared/session.tsx';
import type { ConsoleRoute } from './route.ts';
import { Welcome } from './Welcome.tsx';

export const operatorRoutes: ConsoleRoute[] = [
  {
    path: 'home',
    menu: { vi: 'Trang chủ', en: 'Home', group: 'overview', icon: <HomeOutlined /> },
    roles: ALL_ROLES,
    element: <Welcome />,
  },
];
