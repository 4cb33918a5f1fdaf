import {
  AlertOutlined,
  ApiOutlined,
  AuditOutlined,
  ClusterOutlined,
  DashboardOutlined,
  DiffOutlined,
  FieldTimeOutlined,
  LinkOutlined,
  NotificationOutlined,
  SwapOutlined,
  ToolOutlined,
} from '@ant-design/icons';
import { AlertsScreen } from './operator/Alerts.tsx';
import { ConnectionRequestDetail, ConnectionRequestsQueue } from './operator/ConnectionRequests.tsx';
import { Dashboard } from './operator/Dashboard.tsx';
import { FederationReconciliation } from './operator/Federation.tsx';
import { LifecycleScreen } from './operator/Lifecycle.tsx';
import { MaintenanceScreen } from './operator/Maintenance.tsx';
import { NoticesScreen } from './operator/Notices.tsx';
import { PeerRegister, PeersList } from './operator/Peers.tsx';
import { PeerDetail } from './operator/PeersDetail.tsx';
import { OPERATOR_STAFF } from './operator/roles.ts';
import { SubmissionDetail, SubmissionsQueue } from './operator/Submissions.tsx';
import { SubscriptionRequestsQueue } from './operator/SubscriptionRequests.tsx';
import { VersionChangesQueue } from './operator/VersionChanges.tsx';
import type { ConsoleRoute } from './route.ts';

/**
 * The operator's screens (issue 11 item 2): the dashboard first (the console's home for operator staff), the review
 * queues, the lifecycle of versions and services, maintenance, notices and alerts. The auditor opens them all and
 * sees no action; maintenance is the operator administrator's alone (the API refuses the others too).
 */
export const operatorRoutes: ConsoleRoute[] = [
  {
    path: 'home',
    menu: { vi: 'Tổng quan', en: 'Dashboard', group: 'overview', icon: <DashboardOutlined />, order: 0 },
    roles: OPERATOR_STAFF,
    element: <Dashboard />,
  },
  {
    path: 'connection-requests',
    menu: {
      vi: 'Đề nghị kết nối',
      en: 'Connection requests',
      group: 'review',
      icon: <LinkOutlined />,
      order: 1,
    },
    roles: OPERATOR_STAFF,
    element: <ConnectionRequestsQueue />,
  },
  { path: 'connection-requests/:id', roles: OPERATOR_STAFF, element: <ConnectionRequestDetail /> },
  {
    path: 'submissions',
    menu: {
      vi: 'Dịch vụ chờ công bố',
      en: 'Service submissions',
      group: 'review',
      icon: <ApiOutlined />,
      order: 2,
    },
    roles: OPERATOR_STAFF,
    element: <SubmissionsQueue />,
  },
  { path: 'submissions/:id', roles: OPERATOR_STAFF, element: <SubmissionDetail /> },
  {
    path: 'subscription-requests',
    menu: {
      vi: 'Đề nghị khai thác',
      en: 'Subscription requests',
      group: 'review',
      icon: <AuditOutlined />,
      order: 3,
    },
    roles: OPERATOR_STAFF,
    element: <SubscriptionRequestsQueue />,
  },
  {
    path: 'version-changes',
    menu: {
      vi: 'Đề nghị thay đổi',
      en: 'Proposed changes',
      group: 'review',
      icon: <DiffOutlined />,
      order: 4,
    },
    roles: OPERATOR_STAFF,
    element: <VersionChangesQueue />,
  },
  {
    path: 'lifecycle',
    menu: { vi: 'Vòng đời', en: 'Lifecycle', group: 'platform', icon: <FieldTimeOutlined />, order: 10 },
    roles: OPERATOR_STAFF,
    element: <LifecycleScreen />,
  },
  {
    path: 'maintenance',
    menu: { vi: 'Bảo trì', en: 'Maintenance', group: 'platform', icon: <ToolOutlined />, order: 11 },
    roles: ['operator_admin'],
    element: <MaintenanceScreen />,
  },
  {
    path: 'notices',
    menu: { vi: 'Thông báo', en: 'Notices', group: 'platform', icon: <NotificationOutlined />, order: 12 },
    roles: OPERATOR_STAFF,
    element: <NoticesScreen />,
  },
  {
    path: 'alerts',
    menu: { vi: 'Cảnh báo', en: 'Alerts', group: 'platform', icon: <AlertOutlined />, order: 13 },
    roles: OPERATOR_STAFF,
    element: <AlertsScreen />,
  },
  // Federation (issue 12): peer platforms for the operator's staff; registering and changing one is the
  // operator administrator's (the API refuses the others too).
  {
    path: 'peers',
    menu: { vi: 'Liên thông', en: 'Federation', group: 'platform', icon: <ClusterOutlined />, order: 14 },
    roles: OPERATOR_STAFF,
    element: <PeersList />,
  },
  // Not `peers/new`: for the roles without this route, `peers/:id` would take "new" as a peer's id.
  { path: 'peer-registration', roles: ['operator_admin'], element: <PeerRegister /> },
  { path: 'peers/:id', roles: OPERATOR_STAFF, element: <PeerDetail /> },
  {
    path: 'federation',
    menu: {
      // Not "Đối soát …": the registry's "Đối soát" (per-system reconciliation) stays the one menu entry that says it.
      vi: 'Sổ liên thông',
      en: 'Federation ledger',
      group: 'traffic',
      icon: <SwapOutlined />,
      order: 5,
    },
    roles: OPERATOR_STAFF,
    element: <FederationReconciliation />,
  },
];
