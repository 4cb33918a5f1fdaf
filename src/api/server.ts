import type { Server as HttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';
import swagger from '@fastify/swagger';
import { Ajv, type Options as AjvOptions, type FormatDefinition, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import Fastify, { type FastifyInstance, LogController } from 'fastify';
import type { Config } from '../core/config.ts';
import { isAcceptedDateTime } from '../core/date-time.ts';
import { LgspError } from '../core/errors.ts';
import { answerClientError, type ClientErrorCodes, refuseConnect } from '../net/client-error.ts';
import {
  HSTS_HEADER,
  loadTlsMaterial,
  refuseRenegotiation,
  TlsReloader,
  tlsEnabled,
  tlsServerOptions,
} from '../net/tls.ts';

import { authenticate } from './auth.ts';
import { consoleRoutes } from './console-files.ts';
import { ProblemSchema } from './contract/index.ts';
import type { AdminDeps } from './deps.ts';
import { errorPageRoutes } from './error-pages.ts';
import { installInputGuard } from './input-guard.ts';
import { OidcSignIn } from './oidc.ts';
import {
  answerFrameworkError,
  installProblemHandlers,
  installRequestIdHeader,
  REQUEST_ID_OPTIONS,
} from './problems.ts';
import { alertRoutes } from './routes/alerts.ts';
import { auditRoutes } from './routes/audit.ts';
import { loginRoutes, sessionRoutes } from './routes/auth.ts';
import { categoryRoutes } from './routes/categories.ts';
import { TAGS } from './routes/common.ts';
import { connectedSystemRoutes } from './routes/connected-systems.ts';
import { connectionRequestRoutes } from './routes/connection-requests.ts';
import { credentialRoutes } from './routes/credentials.ts';
import { dashboardRoutes } from './routes/dashboard.ts';
import { lifecycleRoutes } from './routes/lifecycle.ts';
import { backupRoutes, healthRoutes, metaRoutes, signingKeyRoutes } from './routes/meta.ts';
import { metricsRoutes } from './routes/metrics.ts';
import { organizationRoutes } from './routes/organizations.ts';
import { peerRoutes } from './routes/peers.ts';
import { publicRoutes } from './routes/public.ts';
import { reconciliationRoutes } from './routes/reconciliations.ts';
import { reportRoutes } from './routes/reports.ts';
import { sandboxTryRoutes } from './routes/sandbox-try.ts';
import { serviceRoutes } from './routes/services.ts';
import { subscriptionRequestRoutes } from './routes/subscription-requests.ts';
import { subscriptionRoutes } from './routes/subscriptions.ts';
import { systemRoutes } from './routes/systems.ts';
import { transactionRoutes } from './routes/transactions.ts';
import { userRoutes } from './routes/users.ts';
import { versionChangeRoutes } from './routes/version-changes.ts';
import { versionRoutes } from './routes/versions.ts';
import { webhookRoutes } from './routes/webhooks.ts';

export type { AdminDeps } from './deps.ts';

// ajv-formats is CommonJS with a default export; under NodeNext the default import is the module itself.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

export interface RouteInfo {
  method: string;
  url: string;
  /** Left out of the OpenAPI document on purpose (`schema.hide`): GET /metrics. */
  hidden: boolean;
}

const routesByApp = new WeakMap<FastifyInstance, RouteInfo[]>();

/** Every route the app registered (HEAD twins of GET routes left out), for tests that check the OpenAPI. */
export function registeredRoutes(app: FastifyInstance): RouteInfo[] {
  return [...(routesByApp.get(app) ?? [])];
}

/**
 * Two validators: request bodies are checked strictly as sent (no type coercion, no defaults, and unknown fields
 * are an error rather than silently dropped, which Fastify's default would do); query strings and path
 * parameters arrive as text, so there numbers are coerced and defaults (e.g. `limit`) filled in.
 */
/**
 * The admin API's schemas compile on first use, not at start. Compiling all of them — an Ajv validator for each
 * route's body, query and params, a fast-json-stringify serializer for each response — took ≈ 3.7 s of CPU at every
 * start (a CPU profile of `lgsp start`: two thirds of a restart's CPU), on every node and in every test that starts
 * a platform, though a node answers only a few of its routes in its first minutes. A route's first call pays its
 * compile (milliseconds) once. Whether every schema compiles is still proven before a release: `compileEverySchema`,
 * in test/api.openapi.
 */
const lazySchemas = new WeakMap<FastifyInstance, Array<() => void>>();

/** Forces every schema of `app` to compile now; returns how many there were. Throws what a compile throws. */
export function compileEverySchema(app: FastifyInstance): number {
  const compiles = lazySchemas.get(app) ?? [];
  for (const compile of compiles) compile();
  return compiles.length;
}

type Validator = ((data: unknown) => boolean) & { errors?: ValidateFunction['errors'] };

function validatorCompilers(compiles: Array<() => void>) {
  // `verbose`: each error carries the schema it failed, whose label names the field (validation-messages.ts).
  const common: AjvOptions = { allErrors: true, removeAdditional: false, strict: true, verbose: true };
  const body = new Ajv({ ...common, coerceTypes: false, useDefaults: false });
  const text = new Ajv({ ...common, coerceTypes: 'array', useDefaults: true });
  addFormats(body);
  addFormats(text);
  // Every `date-time` the API is sent is also an instant both stores and `Date` hold alike (core/date-time.ts).
  const dateTime = {
    ...(addFormats.get('date-time') as FormatDefinition<string>),
    validate: isAcceptedDateTime,
  };
  body.addFormat('date-time', dateTime);
  text.addFormat('date-time', dateTime);
  return ({ schema, httpPart }: { schema: object; httpPart?: string }): Validator => {
    let compiled: ValidateFunction | null = null;
    const compile = (): ValidateFunction => {
      compiled ??= (httpPart === 'body' ? body : text).compile(schema);
      return compiled;
    };
    compiles.push(compile);
    // Fastify reads a failed call's errors from the function it was given.
    const validate: Validator = (data) => {
      const v = compile();
      const ok = v(data);
      validate.errors = v.errors;
      return ok;
    };
    return validate;
  };
}

/** Fastify's own response serializers (fast-json-stringify), each built on its route's first answer. */
function serializerFactory(compiles: Array<() => void>): SerializerSelector.SerializerFactory {
  const build = SerializerSelector();
  return (externalSchemas, options) => {
    const compileFor = build(externalSchemas, options);
    return (route) => {
      let serialize: SerializerSelector.Serializer | null = null;
      const compile = (): SerializerSelector.Serializer => {
        serialize ??= compileFor(route);
        return serialize;
      };
      compiles.push(compile);
      return (doc) => compile()(doc);
    };
  };
}

const RESPONSE_DESCRIPTIONS: Record<string, string> = {
  '200': 'Thành công / OK',
  '201': 'Đã tạo / Created',
  '204': 'Thành công, không có nội dung / No content',
  '503': 'Chưa sẵn sàng / Not ready',
};

/**
 * The admin API's base URL for the document's `servers`: the address this node listens on (the configured
 * `admin.host`/`admin.port` while it does not listen yet, as under `app.inject`). Paths in the document are
 * written in full (`/api/v1/…`), so the base is the origin. An unspecified address (0.0.0.0, ::) becomes
 * 127.0.0.1, as `lgsp start` prints it: a bind address is not one a client can call.
 */
export function adminBaseUrl(app: FastifyInstance, admin: Config['admin']): string {
  const listening = app.server.listening ? app.server.address() : null;
  const address = typeof listening === 'object' && listening ? listening.address : admin.host;
  const port = typeof listening === 'object' && listening ? listening.port : admin.port;
  const host = ['0.0.0.0', '::', ''].includes(address) ? '127.0.0.1' : address;
  return `${tlsEnabled(admin.tls) ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** The `X-LGSP-Transaction-Id` header every answer carries (problems.ts), declared once in the document's components. */
const TRANSACTION_ID_HEADER_DOC = {
  description:
    'Mã của yêu cầu (api_…), trên mọi câu trả lời; bằng transactionId của problem; tra trong nhật ký máy chủ ' +
    '(reqId). Mã bên gọi gửi không bao giờ được dùng. / The request’s id (api_…), on every answer; the problem’s ' +
    'transactionId; looked up in the server log (reqId). An id the caller sends is never used.',
  schema: { type: 'string' as const, examples: ['api_0mxdha95k0jjwe82yc9b7zdh3'] },
};

/**
 * Every response names the `X-LGSP-Transaction-Id` header (one reference, since every answer carries it), and a
 * success gets a bilingual description instead of the plugin's "Default Response".
 */
function describeResponses(documentObject: unknown): Record<string, unknown> {
  const doc = (documentObject as { openapiObject?: Record<string, unknown> }).openapiObject ?? {};
  const paths = (doc['paths'] ?? {}) as Record<
    string,
    Record<
      string,
      { responses?: Record<string, { description?: string; headers?: Record<string, unknown> }> }
    >
  >;
  for (const operations of Object.values(paths)) {
    for (const operation of Object.values(operations)) {
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (response.description === 'Default Response') {
          response.description = RESPONSE_DESCRIPTIONS[status] ?? response.description;
        }
        response.headers = {
          ...response.headers,
          'X-LGSP-Transaction-Id': { $ref: '#/components/headers/TransactionId' },
        };
      }
    }
  }
  return doc;
}

const ADMIN_CLIENT_ERRORS: ClientErrorCodes = {
  malformed: 'API_BAD_REQUEST',
  headersTooLarge: 'API_HEADERS_TOO_LARGE',
  timeout: 'API_REQUEST_TIMEOUT',
  connect: 'API_CONNECT_REFUSED',
};

/**
 * Builds the admin API (DESIGN.md "Build the app apart from starting it"): no listen, no timers, no writes, so
 * tests drive it with `app.inject` and the platform decides where it listens.
 */
export async function createAdminApi(deps: AdminDeps): Promise<FastifyInstance> {
  // R-13: HTTPS when a certificate is configured (read now, so a wrong file fails the start, not the first call).
  const tlsFiles = deps.config.admin.tls;
  const material = tlsEnabled(tlsFiles) ? loadTlsMaterial(tlsFiles) : null;
  const compiles: Array<() => void> = [];
  const app = Fastify({
    schemaController: { compilersFactory: { buildSerializer: serializerFactory(compiles) } },
    loggerInstance: deps.logger,
    // One line per request is written by the onResponse hook below, without bodies or headers (R-25).
    logController: new LogController({ disableRequestLogging: true }),
    // Each request's id (ours, never the caller's) is on its log lines, in the X-LGSP-Transaction-Id header of its
    // answer and in its problem (`transactionId`): what an operator or a refused person quotes.
    ...REQUEST_ID_OPTIONS,
    bodyLimit: deps.config.admin.bodyLimitBytes,
    // node:http's own Host check answers a bare 400; the hook below refuses it as problem+json instead.
    ...(material
      ? { https: { ...tlsServerOptions(material, false), requireHostHeader: false } }
      : { http: { requireHostHeader: false } }),
    // A URL Fastify cannot decode: problem+json like every other client error.
    frameworkErrors: answerFrameworkError,
    // What the HTTP parser refuses before Fastify has a request (headers too large or too slow, a malformed
    // request line): problem+json as well, instead of Fastify's own JSON.
    clientErrorHandler: (error, socket) => answerClientError(error, socket, ADMIN_CLIENT_ERRORS),
  }) as unknown as FastifyInstance;
  app.server.on('connect', (_req: unknown, socket: Duplex) => refuseConnect(socket, ADMIN_CLIENT_ERRORS));
  if (material) {
    refuseRenegotiation(app.server as unknown as HttpsServer);
    // A renewed certificate (file change or SIGHUP) is served to new connections; open ones keep theirs.
    const reloader = new TlsReloader(app.server as unknown as HttpsServer, tlsFiles, material, {
      onReload: (c) =>
        deps.logger.info(
          { subject: c.subject, notAfter: new Date(c.notAfterMs) },
          'đã nạp lại chứng chỉ TLS của cổng quản trị / admin TLS certificate reloaded',
        ),
      onError: (err) =>
        deps.logger.error(
          { err },
          'không nạp lại được chứng chỉ TLS của cổng quản trị; vẫn dùng chứng chỉ cũ / admin TLS certificate reload failed; still serving the previous one',
        ),
    });
    app.addHook('onListen', async () => void reloader.start());
    app.addHook('onClose', async () => reloader.stop());
  }

  const routes: RouteInfo[] = [];
  routesByApp.set(app, routes);
  app.addHook('onRoute', (route) => {
    const hidden = (route.schema as { hide?: boolean } | undefined)?.hide === true;
    for (const method of [route.method].flat())
      if (method !== 'HEAD') routes.push({ method, url: route.url, hidden });
  });

  lazySchemas.set(app, compiles);
  app.setValidatorCompiler(validatorCompilers(compiles));
  // First of all hooks, so every answer names its request, whatever refuses it later.
  installRequestIdHeader(app);
  installProblemHandlers(app);
  // HTTP/1.1 requires Host (RFC 9112 §3.2); without one the request is refused before anything else.
  app.addHook('onRequest', async (request) => {
    if (request.headers.host === undefined && request.raw.httpVersion === '1.1')
      throw new LgspError('API_BAD_REQUEST', 'Host');
  });
  // JSON only: Fastify's default text/plain parser would let a text body reach validation as a string.
  app.removeContentTypeParser('text/plain');
  installInputGuard(app);

  app.decorateRequest('user', null);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('session', null);

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    // RFC 6797: once the portal is on HTTPS, browsers must never fall back to plain HTTP for it.
    if (material) reply.header('strict-transport-security', HSTS_HEADER);
    return payload;
  });
  app.addHook('onResponse', async (request, reply) => {
    request.log.info(
      {
        method: request.method,
        route: request.routeOptions.url ?? null,
        status: reply.statusCode,
        durationMs: Math.round(reply.elapsedTime),
        userId: request.user?.id ?? null,
      },
      'yêu cầu tới API quản trị / admin API request',
    );
  });

  app.addSchema(ProblemSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'OpenLGSP Admin API',
        version: '1.0.0',
        description:
          'API quản trị của Nền tảng tích hợp, chia sẻ dữ liệu cấp tỉnh (LGSP): cơ quan, hệ thống, dịch vụ, ' +
          'đăng ký khai thác, thông tin kết nối, giao dịch, nhật ký. Lỗi theo RFC 9457 (docs/errors.md).\n\n' +
          'Admin API of the provincial Local Government Service Platform. Errors are RFC 9457 problem+json ' +
          'with a stable `code` (docs/errors.md).\n\n' +
          'Người dùng có mật khẩu do quản trị viên đặt lại (mustChangePassword) chỉ được gọi POST ' +
          '/api/v1/auth/password, GET /api/v1/me, GET /api/v1/auth/session và đăng xuất cho tới khi đổi mật khẩu; ' +
          'mọi lời gọi khác cần đăng nhập trả về 403 API_PASSWORD_CHANGE_REQUIRED. / A user whose password an ' +
          'operator reset (mustChangePassword) may call only POST /api/v1/auth/password, GET /api/v1/me, GET ' +
          '/api/v1/auth/session and sign-out until they change it; every other signed-in call answers 403 ' +
          'API_PASSWORD_CHANGE_REQUIRED.',
        license: { name: 'Apache-2.0', identifier: 'Apache-2.0' },
      },
      components: {
        headers: { TransactionId: TRANSACTION_ID_HEADER_DOC },
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'Token từ POST /api/v1/auth/login / token from POST /api/v1/auth/login',
          },
          consoleSession: {
            type: 'apiKey',
            in: 'cookie',
            name: 'lgsp_session',
            description:
              'Phiên bảng điều khiển từ POST /api/v1/auth/session; POST/PATCH/PUT/DELETE cần thêm tiêu đề x-csrf-token / ' +
              'the console session from POST /api/v1/auth/session; unsafe calls also need the x-csrf-token header',
          },
        },
      },
      security: [{ bearerAuth: [] }, { consoleSession: [] }],
      tags: Object.values(TAGS).map((name) => ({ name })),
    },
    // The document is built on its first request, after the platform started listening, so the port is known.
    transformObject: (documentObject) => ({
      ...describeResponses(documentObject),
      servers: [
        {
          url: adminBaseUrl(app, deps.config.admin),
          description: 'API quản trị của nút này / this node’s admin API',
        },
      ],
    }),
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json['$id'] === 'string' ? json['$id'] : `def-${i}`,
    },
  });

  // OIDC single sign-on for the console (issue 11 item 5); the provider is discovered on the first sign-in.
  const oidc = new OidcSignIn(deps.config, {
    accounts: deps.accounts,
    egress: deps.registry.egress,
    kek: deps.kek,
    logger: deps.logger,
    publicBaseUrl: () =>
      deps.config.admin.publicUrl.replace(/\/+$/, '') || adminBaseUrl(app, deps.config.admin),
  });
  app.addHook('onClose', () => oidc.close());

  await app.register(async (root) => healthRoutes(root, deps));
  await app.register(async (root) => metricsRoutes(root, deps));
  // Each error code's page, which every problem's `type` names (error-pages.ts), rendered on the server.
  await app.register(async (root) => errorPageRoutes(root));
  // The web console and the public portal: static files and the app's page for every non-API path.
  await app.register(async (root) => consoleRoutes(root));
  // Paths are written in full in the operations table (contract/operations.ts), so this plugin has no prefix.
  await app.register(async (v1) => {
    await metaRoutes(v1, deps);
    await loginRoutes(v1, deps, oidc);
    // Readable without login (R-09, R-10): the portal's catalogue, contact points and notices.
    await publicRoutes(v1, deps);
    // Everything else needs a signed-in user; the hook is scoped to this plugin only (R-24).
    await v1.register(async (secured) => {
      secured.addHook('onRequest', authenticate(deps.accounts, deps.config));
      // What a signed-in person reads (credentials, transactions, users, audit) is theirs only: no browser or proxy
      // keeps a copy — one left in a shared computer's disk cache outlived the sign-out (OWASP ASVS 8.2.1). A route
      // that says otherwise (a download's own header) keeps its word.
      secured.addHook('onSend', async (_request, reply, payload) => {
        if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
        return payload;
      });
      // R-19/R-21 "at once": a successful write is answered only once this node's gateway holds it, so the next
      // call after a revocation or a suspension is already refused (not up to one snapshot poll later).
      const caughtUp = deps.gatewayCaughtUp;
      if (caughtUp)
        secured.addHook('onSend', async (request, reply, payload) => {
          if (request.method !== 'GET' && request.method !== 'HEAD' && reply.statusCode < 400)
            await caughtUp();
          return payload;
        });
      await sessionRoutes(secured, deps, oidc);
      await signingKeyRoutes(secured, deps);
      await backupRoutes(secured, deps);
      await organizationRoutes(secured, deps);
      await systemRoutes(secured, deps);
      await connectedSystemRoutes(secured, deps);
      await serviceRoutes(secured, deps);
      await versionRoutes(secured, deps);
      await sandboxTryRoutes(secured, deps);
      await subscriptionRoutes(secured, deps);
      await credentialRoutes(secured, deps);
      await transactionRoutes(secured, deps);
      await reconciliationRoutes(secured, deps);
      await reportRoutes(secured, deps);
      await dashboardRoutes(secured, deps);
      await auditRoutes(secured, deps);
      await connectionRequestRoutes(secured, deps);
      await subscriptionRequestRoutes(secured, deps);
      await versionChangeRoutes(secured, deps);
      await userRoutes(secured, deps);
      await lifecycleRoutes(secured, deps);
      await webhookRoutes(secured, deps);
      await alertRoutes(secured, deps);
      await categoryRoutes(secured, deps);
      await peerRoutes(secured, deps);
    });
  });
  return app;
}
