import { requireRole } from '../auth.ts';
import { problemResponses } from '../problems.ts';

/** Tags group the OpenAPI operations; Vietnamese first, as the console shows them. */
export const TAGS = {
  meta: 'Hệ thống / Meta',
  auth: 'Đăng nhập / Auth',
  organizations: 'Cơ quan / Organizations',
  systems: 'Hệ thống thông tin / Systems',
  services: 'Dịch vụ / Services',
  versions: 'Phiên bản dịch vụ / Service versions',
  subscriptions: 'Đăng ký khai thác / Subscriptions',
  credentials: 'Thông tin kết nối / Credentials',
  transactions: 'Giao dịch / Transactions',
  audit: 'Nhật ký thay đổi / Audit',
} as const;

/**
 * Who may call the registry routes. Only the operator exists today; issue 3 adds agency roles, and each route
 * then names its own roles here instead of this one constant.
 */
export const operatorOnly = requireRole('operator_admin');

/** Problems every protected route can answer (bad input, not signed in, not allowed, internal). */
export const readProblems = problemResponses(400, 401, 403, 500);
/** …and those of a route that takes a JSON body. */
export const writeProblems = problemResponses(400, 401, 403, 413, 415, 500);
