import type { TSchema } from '@sinclair/typebox';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
  RouteGenericInterface,
  RouteHandlerMethod,
  RouteShorthandOptions,
} from 'fastify';
import { requireRole } from '../auth.ts';
import { OPERATION_DOCS, type OperationDoc } from '../contract/operation-docs.ts';
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
  versionChanges: 'Đề nghị thay đổi phiên bản / Version changes',
  users: 'Người dùng và vai trò / Users and roles',
  alerts: 'Cảnh báo / Alerts',
  federation: 'Liên thông nền tảng / Federation',
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

/** Problems every signed-in call can answer: bad input, not signed in, not allowed, internal. */
const SIGNED_IN_PROBLEMS = [400, 401, 403, 500];
/** …and one that takes a JSON body: too large, not JSON. */
const BODY_PROBLEMS = [413, 415];

/** The request types of one operation's route, from its contract. */
export interface OperationRoute<Id extends OperationId> extends RouteGenericInterface {
  Params: OperationParams<Id>;
  Querystring: OperationQuery<Id>;
  Body: OperationBody<Id>;
}

type RouteOptionsOf<Id extends OperationId> = RouteShorthandOptions<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  OperationRoute<Id>
>;

/** What a route file writes about an operation: who may call it and its other hooks, and its handler. */
export interface OperationOptions<Id extends OperationId>
  extends Omit<RouteOptionsOf<Id>, 'schema' | 'preValidation'> {
  handler: RouteHandlerMethod<
    RawServerDefault,
    RawRequestDefaultExpression,
    RawReplyDefaultExpression,
    OperationRoute<Id>
  >;
}

/**
 * Registers one operation of the contract: its method and path (`contract/operations.ts`), schemas
 * (`contract/operation-schemas.ts`), words and problems (`contract/operation-docs.ts`) come from the contract, and
 * its `operationId` goes into the OpenAPI document, so none of them is written a second time in a route file. The
 * route adds what is behaviour: who may call it and its handler. The rest follows from the contract: an operation
 * that answers 201 creates something, and answers 201 without its handler saying so; one whose body has nothing
 * required takes options, and a bare POST (no body at all) to it means "no options" (a revoke without a reason,
 * an approval without a note).
 */
export function route<Id extends OperationId>(
  app: FastifyInstance,
  tag: string,
  operationId: Id,
  { handler, ...hooks }: OperationOptions<Id>,
): void {
  const { method, path } = OPERATIONS[operationId];
  const { response, ...parts }: OperationSchemas = OPERATION_SCHEMAS[operationId];
  const { problems = [], standardProblems, ...words }: OperationDoc = OPERATION_DOCS[operationId];
  const standard =
    standardProblems ?? (words.security ? [] : [...SIGNED_IN_PROBLEMS, ...(parts.body ? BODY_PROBLEMS : [])]);
  app.route<OperationRoute<Id>>({
    ...hooks,
    ...(parts.body && takesOnlyOptions(parts.body) ? { preValidation: emptyBodyIsObject } : {}),
    method,
    url: path,
    schema: {
      ...parts,
      tags: [tag],
      ...words,
      response: { ...response, ...problemResponses(...standard, ...problems) },
      operationId,
    },
    handler:
      201 in response
        ? function (request, reply) {
            reply.code(201);
            return handler.call(this, request, reply);
          }
        : handler,
  });
}

/** The `route` of a file whose operations all show under one tag. */
export function routesUnder(app: FastifyInstance, tag: string) {
  return <Id extends OperationId>(operationId: Id, options: OperationOptions<Id>) =>
    route(app, tag, operationId, options);
}

/** Answers a secret shown once: no cache (browser, proxy) may keep its one copy. */
export function sendSecretOnce(reply: FastifyReply, body: unknown): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(body);
}

/** A body with nothing required (and no least number of fields, as a patch has) holds only options. */
function takesOnlyOptions(body: TSchema): boolean {
  return !body['required']?.length && body['minProperties'] === undefined;
}

const emptyBodyIsObject = async (request: FastifyRequest) => {
  request.body ??= {};
};
