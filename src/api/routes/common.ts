import type {
  FastifyInstance,
  FastifySchema,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
  RouteShorthandOptions,
} from 'fastify';
import { requireRole } from '../auth.ts';
import { OPERATIONS, type OperationId } from '../contract/operations.ts';
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
  notices: 'Thông báo / Notices',
  public: 'Công khai / Public',
  connectionRequests: 'Đề nghị kết nối / Connection requests',
  subscriptionRequests: 'Đề nghị đăng ký khai thác / Subscription requests',
  users: 'Người dùng và vai trò / Users and roles',
  alerts: 'Cảnh báo / Alerts',
} as const;

/** Operator administrators only: configuration of the platform itself. */
export const operatorOnly = requireRole('operator_admin');
/** The operator's staff who decide requests. */
export const reviewers = requireRole('operator_admin', 'operator_reviewer');
/** Everyone signed in may read; agency users' reads are then limited to their organization by the route. */
export const anyRole = requireRole('operator_admin', 'operator_reviewer', 'auditor', 'agency');
/** Anyone who may read everything (audit trail, all transactions). */
export const overseers = requireRole('operator_admin', 'operator_reviewer', 'auditor');
/** Agency users acting for their organization, and operator administrators acting on an agency's behalf. */
export const agencyOrOperator = requireRole('operator_admin', 'agency');

/** Problems every protected route can answer (bad input, not signed in, not allowed, internal). */
export const readProblems = problemResponses(400, 401, 403, 500);
/** …and those of a route that takes a JSON body. */
export const writeProblems = problemResponses(400, 401, 403, 413, 415, 500);

/**
 * Registers one operation of the contract: its method and path come from the operations table, and its
 * `operationId` goes into the OpenAPI document, so neither is written a second time in a route file.
 */
export function route<G extends RouteGenericInterface = RouteGenericInterface>(
  app: FastifyInstance,
  operationId: OperationId,
  options: RouteShorthandOptions<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    G
  > & {
    schema: FastifySchema;
  },
  handler: RouteHandlerMethod<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, G>,
): void {
  const { method, path } = OPERATIONS[operationId];
  app.route<G>({ ...options, method, url: path, schema: { ...options.schema, operationId }, handler });
}
