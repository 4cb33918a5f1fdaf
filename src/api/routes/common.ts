import type {
  FastifyInstance,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
  RouteShorthandOptions,
} from 'fastify';
import { requireRole } from '../auth.ts';
import {
  OPERATION_SCHEMAS,
  type OperationBody,
  type OperationParams,
  type OperationQuery,
  type OperationSchemas,
} from '../contract/operation-schemas.ts';
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

/** The request types of one operation's route, from its contract. */
export interface OperationRoute<Id extends OperationId> extends RouteGenericInterface {
  Params: OperationParams<Id>;
  Querystring: OperationQuery<Id>;
  Body: OperationBody<Id>;
}

/** What a route file writes about an operation: how it is shown, and the problems it can answer. */
export interface OperationDoc {
  tags: string[];
  summary: string;
  description?: string;
  /** `[]` for an operation readable without login. */
  security?: unknown[];
  /** The problems (RFC 9457) this operation answers; its other responses come from the contract. */
  response?: Record<number, unknown>;
}

/**
 * Registers one operation of the contract: its method, path and schemas come from the contract
 * (`contract/operations.ts`, `contract/operation-schemas.ts`), and its `operationId` goes into the OpenAPI
 * document, so none of them is written a second time in a route file. The route adds what is behaviour: who may
 * call it, its handler, and the problems it can answer.
 */
export function route<Id extends OperationId>(
  app: FastifyInstance,
  operationId: Id,
  options: RouteShorthandOptions<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    OperationRoute<Id>
  > & { schema: OperationDoc },
  handler: RouteHandlerMethod<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    OperationRoute<Id>
  >,
): void {
  const { method, path } = OPERATIONS[operationId];
  const { response, ...parts }: OperationSchemas = OPERATION_SCHEMAS[operationId];
  const schema = { ...parts, ...options.schema, response: { ...response, ...options.schema.response } };
  app.route<OperationRoute<Id>>({
    ...options,
    method,
    url: path,
    schema: { ...schema, operationId },
    handler,
  });
}

/** A bare POST (no body at all) to an action that takes options means "no options". */
export const emptyBodyIsObject = async (request: FastifyRequest) => {
  request.body ??= {};
};
