import {
  ApartmentOutlined,
  ApiOutlined,
  AuditOutlined,
  BarChartOutlined,
  CloudServerOutlined,
  DatabaseOutlined,
  DiffOutlined,
  KeyOutlined,
  LinkOutlined,
  NodeIndexOutlined,
  NotificationOutlined,
  TeamOutlined,
  UnorderedListOutlined,
} from '@ant-design/icons';
import type { Role } from '../../../src/api/contract/auth.ts';
import { ALL_ROLES, OPERATOR_ROLES } from '../shared/session.tsx';
import { Audit } from './registry/Audit.tsx';
import { Backup } from './registry/Backup.tsx';
import { ConnectedSystems } from './registry/ConnectedSystems.tsx';
import { Credentials } from './registry/Credentials.tsx';
import { Organizations } from './registry/Organizations.tsx';
import { Reconciliation } from './registry/Reconciliation.tsx';
import { ServiceDetail, Services } from './registry/Services.tsx';
import { Statistics } from './registry/Statistics.tsx';
import { Subscriptions } from './registry/Subscriptions.tsx';
import { SystemDetail, Systems } from './registry/Systems.tsx';
import { TransactionDetail, Transactions } from './registry/Transactions.tsx';
import { Users } from './registry/Users.tsx';
import { Webhooks } from './registry/Webhooks.tsx';
import type { ConsoleRoute } from './route.ts';

/** Who may read all users (the API's own rule): the operator administrator and the auditor. */
const USER_READERS: readonly Role[] = ['operator_admin', 'auditor'];
/** Who may reconcile: the operator's administrators and reviewers, and agencies for their own systems. */
const RECONCILERS: readonly Role[] = ['operator_admin', 'operator_reviewer', 'agency'];

/**
 * The registry and traffic screens (issue 11 item 2). Agency users get the lists the API limits to their own
 * organization (systems, services, subscriptions, credentials, webhooks, transactions, statistics,
 * reconciliation); organizations, users, the audit trail and backups are the operator's.
 */
export const registryRoutes: ConsoleRoute[] = [
  {
    path: 'organizations',
    menu: {
      vi: 'Cơ quan, đơn vị',
      en: 'Organizations',
      group: 'registry',
      icon: <ApartmentOutlined />,
      order: 1,
    },
    roles: OPERATOR_ROLES,
    element: <Organizations />,
  },
  {
    path: 'systems',
    menu: {
      vi: 'Hệ thống thông tin',
      en: 'Systems',
      group: 'registry',
      icon: <CloudServerOutlined />,
      order: 2,
    },
    roles: ALL_ROLES,
    element: <Systems />,
  },
  { path: 'systems/:id', roles: ALL_ROLES, element: <SystemDetail /> },
  {
    path: 'services',
    menu: { vi: 'Dịch vụ', en: 'Services', group: 'registry', icon: <ApiOutlined />, order: 3 },
    roles: ALL_ROLES,
    element: <Services />,
  },
  { path: 'services/:id', roles: ALL_ROLES, element: <ServiceDetail /> },
  {
    path: 'subscriptions',
    menu: {
      vi: 'Đăng ký khai thác',
      en: 'Subscriptions',
      group: 'registry',
      icon: <LinkOutlined />,
      order: 4,
    },
    // An agency's subscriptions are one screen, "Đề nghị khai thác" (routes-agency.tsx: its requests and the
    // subscriptions granted, cancelled there): two near-identical entries left a newcomer choosing between twins.
    roles: OPERATOR_ROLES,
    element: <Subscriptions />,
  },
  {
    path: 'credentials',
    menu: { vi: 'Khoá truy cập', en: 'Credentials', group: 'registry', icon: <KeyOutlined />, order: 5 },
    // An agency's keys are one screen, "Khoá của cơ quan" (routes-agency.tsx): two menu entries for the same keys
    // left a newcomer choosing between near-twins.
    roles: OPERATOR_ROLES,
    element: <Credentials />,
  },
  {
    path: 'users',
    menu: { vi: 'Người dùng', en: 'Users', group: 'registry', icon: <TeamOutlined />, order: 6 },
    roles: USER_READERS,
    element: <Users />,
  },
  {
    path: 'webhooks',
    menu: { vi: 'Webhook', en: 'Webhooks', group: 'registry', icon: <NotificationOutlined />, order: 7 },
    roles: ALL_ROLES,
    element: <Webhooks />,
  },
  {
    path: 'transactions',
    menu: {
      vi: 'Giao dịch',
      en: 'Transactions',
      group: 'traffic',
      icon: <UnorderedListOutlined />,
      order: 1,
    },
    roles: ALL_ROLES,
    element: <Transactions />,
  },
  { path: 'transactions/:id', roles: ALL_ROLES, element: <TransactionDetail /> },
  {
    path: 'statistics',
    menu: { vi: 'Thống kê', en: 'Statistics', group: 'traffic', icon: <BarChartOutlined />, order: 2 },
    roles: ALL_ROLES,
    element: <Statistics />,
  },
  {
    path: 'reconciliation',
    menu: { vi: 'Đối soát', en: 'Reconciliation', group: 'traffic', icon: <DiffOutlined />, order: 3 },
    roles: RECONCILERS,
    element: <Reconciliation />,
  },
  {
    path: 'connected-systems',
    menu: {
      vi: 'Hệ thống đã kết nối',
      en: 'Connected systems',
      group: 'traffic',
      icon: <NodeIndexOutlined />,
      order: 4,
    },
    roles: ALL_ROLES,
    element: <ConnectedSystems />,
  },
  {
    path: 'audit',
    menu: { vi: 'Nhật ký kiểm tra', en: 'Audit trail', group: 'platform', icon: <AuditOutlined />, order: 1 },
    roles: OPERATOR_ROLES,
    element: <Audit />,
  },
  {
    path: 'backup',
    menu: { vi: 'Sao lưu', en: 'Backup', group: 'platform', icon: <DatabaseOutlined />, order: 2 },
    roles: OPERATOR_ROLES,
    element: <Backup />,
  },
];
