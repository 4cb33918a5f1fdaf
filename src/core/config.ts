import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { type ValueError, ValueErrorType } from '@sinclair/typebox/errors';
import { Value } from '@sinclair/typebox/value';
import { parseEgressAllow } from './egress.ts';
import { VIETNAM_HOLIDAYS_2026 } from './working-days.ts';

/**
 * The one configuration schema (DESIGN.md, "Config is one strict schema"): defaults → optional JSON config file
 * (`LGSP_CONFIG`, or ./lgsp.config.json when present) → `LGSP_*` environment. Validated at start-up with every
 * problem listed at once, then frozen and passed down. Nothing else in the code reads `process.env`.
 */
/** The longest a message may live (`messaging.ttlHours`, 90 days): also bounds a peer's async hop signature. */
export const MESSAGE_TTL_MAX_HOURS = 2160;

const port = (defaultPort: number) => Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort });
const pemPath = (description: string) => Type.String({ default: '', description });
const CERT_FILE =
  'Tệp chứng chỉ PEM (kèm chuỗi trung gian); để trống: HTTP thường / PEM certificate (with chain); empty: plain HTTP';
const KEY_FILE = 'Tệp khoá riêng PEM của chứng chỉ / the certificate’s PEM private key';
/** An http(s) origin with an optional path prefix (a final / is dropped where used), or '' for "where it listens". */
const publicUrl = (description: string) =>
  Type.String({ default: '', pattern: '^(https?://[^\\s/?#]+(/[^\\s?#]*)?)?$', description });

/**
 * One claim-mapping rule of the OIDC sign-in (docs/sso.md): when the ID token's `claim` equals `equals` (or matches
 * the regular expression `matches`; with neither, is present and not empty) — for a list claim, when any element
 * does — the person gets `role`, and an agency user the organization `organization` (its official code) or the one
 * whose code is in the claim `organizationFromClaim`.
 */
function OidcRuleSchema() {
  return Type.Object(
    {
      claim: Type.String({ minLength: 1, maxLength: 200 }),
      equals: Type.Optional(Type.String({ maxLength: 1000 })),
      matches: Type.Optional(Type.String({ minLength: 1, maxLength: 1000 })),
      role: Type.Union(
        ['operator_admin', 'operator_reviewer', 'auditor', 'agency'].map((r) => Type.Literal(r)),
      ),
      organization: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
      organizationFromClaim: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    },
    { additionalProperties: false },
  );
}

export const ConfigSchema = Type.Object(
  {
    dataDir: Type.String({
      minLength: 1,
      default: './data',
      description: 'Thư mục dữ liệu của kho nhúng (PGlite)',
    }),
    databaseUrl: Type.String({
      default: '',
      description: 'postgres://… để dùng PostgreSQL thật; để trống dùng kho nhúng PGlite',
    }),
    // Issue 13 item 1 (R-04/R-05): what this node runs; every role but `all` shares its state through PostgreSQL.
    role: Type.Union(
      [Type.Literal('all'), Type.Literal('gateway'), Type.Literal('control'), Type.Literal('worker')],
      {
        default: 'all',
        description:
          'Vai trò của nút: all (mọi thứ, một tiến trình), gateway (cổng kết nối), control (API quản trị, bảng điều khiển, ' +
          'cổng thông tin), worker (chuyển thông điệp, mọi việc định kỳ) / node role (docs/scaling.md)',
      },
    ),
    timezoneOffsetMinutes: Type.Integer({
      minimum: -720,
      maximum: 840,
      default: 420,
      description:
        'Giờ địa phương cho khung thời gian khai thác, hạn mức ngày và mọi ngày giờ người đọc (thông báo, thư, tệp XLSX) ' +
        '(Việt Nam: UTC+7 = 420) / local time of time windows, daily quotas and every date a person reads',
    }),
    gateway: Type.Object(
      {
        host: Type.String({ default: '0.0.0.0' }),
        port: port(8280),
        workers: Type.Integer({ minimum: 1, maximum: 64, default: 1 }),
        // Issue 14 item 5: who accepts connections for the workers — `kernel`, measured faster (docs/scaling.md:
        // a storm of 1,000 fresh connections p99 215–221 ms against 520–563 ms with `primary`, the same CPU per
        // request on kept connections).
        workerAccept: Type.Union([Type.Literal('primary'), Type.Literal('kernel')], {
          default: 'kernel',
          description:
            'Ai nhận kết nối cho các worker: `kernel` (mặc định) — mọi worker cùng nhận trên một socket, nhân hệ điều hành chia (tiến trình chính không tốn gì cho mỗi kết nối; p99 của bão kết nối bằng nửa); `primary` — tiến trình chính nhận rồi chia lần lượt (đều, có thứ tự) / who accepts for the workers: `kernel` (default) — every worker on one shared socket (no primary cost per connection, half the storm p99), or `primary` — the primary, handing connections round-robin',
        }),
        tokenTtlSeconds: Type.Integer({ minimum: 60, maximum: 86400, default: 3600 }),
        upstreamTimeoutMs: Type.Integer({ minimum: 100, maximum: 30000, default: 30000 }),
        listenBacklog: Type.Integer({ minimum: 128, maximum: 65535, default: 4096 }),
        // R-13: HTTPS on the gateway itself, and the CA that client certificates bound by subject chain to (mTLS).
        tls: Type.Object(
          {
            certFile: pemPath(CERT_FILE),
            keyFile: pemPath(KEY_FILE),
            clientCaFile: pemPath(
              'Chuỗi CA của chứng chỉ máy khách (mTLS, gắn theo subject) / CA bundle for client certificates bound by subject',
            ),
          },
          { additionalProperties: false, default: {} },
        ),
        trustedProxies: Type.Array(Type.String({ minLength: 2, maxLength: 64 }), {
          default: [],
          description:
            'Proxy đứng trước cổng (địa chỉ hoặc CIDR) được tin X-Forwarded-For / proxies in front of the gateway whose X-Forwarded-* are believed',
        }),
        maxRequestBodyBytes: Type.Integer({ minimum: 1024, maximum: 17179869184, default: 10485760 }),
        headersTimeoutMs: Type.Integer({ minimum: 1000, maximum: 300000, default: 10000 }),
        requestTimeoutMs: Type.Integer({
          minimum: 0,
          maximum: 86400000,
          default: 600000,
          description:
            'Thời gian tối đa để nhận hết yêu cầu (0: không giới hạn) / time to receive a whole request',
        }),
        keepAliveTimeoutMs: Type.Integer({ minimum: 1000, maximum: 600000, default: 65000 }),
        maxConnectionsPerAddress: Type.Integer({ minimum: 1, maximum: 1000000, default: 256 }),
        // Issue 14: a storm of client connections must not become as many sockets to one provider (Envoy's
        // default circuit breaker is the same 1,024); calls beyond it wait in the pool for a free connection.
        upstreamConnectionsPerOrigin: Type.Integer({
          minimum: 0,
          maximum: 65535,
          default: 1024,
          description:
            'Số kết nối tối đa tới một hệ thống cung cấp (mỗi tiến trình gateway; 0: không giới hạn); lời gọi vượt quá chờ kết nối rảnh / most sockets to one provider origin per gateway process (0: unlimited); calls beyond wait for a free one',
        }),
        // R-17, R-02: a composite's backend answers are merged in memory, so their sum is bounded (docs/aggregation.md).
        compositeMaxResponseBytes: Type.Integer({
          minimum: 1024,
          maximum: 268435456,
          default: 4194304,
          description:
            'Tổng dung lượng tối đa các câu trả lời của dịch vụ nguồn trong một lời gọi dịch vụ tổng hợp (byte); vượt → 502 GW_COMPOSITE_TOO_LARGE / the most a composite call may read from its backends',
        }),
        publicUrl: publicUrl(
          'Địa chỉ cổng kết nối mà các cơ quan gọi (sau proxy/TLS), cổng thông tin hiển thị; để trống: địa chỉ đang nghe / the gateway address agencies call (behind a proxy/TLS), shown by the portal; empty: the listening address',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    admin: Type.Object(
      {
        host: Type.String({ default: '127.0.0.1' }),
        port: port(9080),
        password: Type.String({ default: '' }),
        sessionTtlHours: Type.Integer({ minimum: 1, maximum: 720, default: 12 }),
        bodyLimitBytes: Type.Integer({ minimum: 1024, maximum: 104857600, default: 1048576 }),
        metricsToken: Type.String({
          default: '',
          description: 'Token Prometheus phải gửi (Bearer) để đọc /metrics; để trống: /metrics mở',
        }),
        tls: Type.Object(
          { certFile: pemPath(CERT_FILE), keyFile: pemPath(KEY_FILE) },
          { additionalProperties: false, default: {} },
        ),
        trustedProxies: Type.Array(Type.String({ minLength: 2, maxLength: 64 }), {
          default: [],
          description:
            'Proxy ngược đứng trước cổng quản trị (địa chỉ hoặc CIDR) được tin X-Forwarded-For: địa chỉ máy khách mà giới hạn đăng nhập đếm và lịch sử đăng nhập ghi / reverse proxies in front of the admin port whose X-Forwarded-For is believed: the client address the sign-in limits count and the sign-in history keeps',
        }),
        publicUrl: publicUrl(
          'Địa chỉ công khai của bảng điều khiển và cổng thông tin (sau proxy/TLS), dùng trong liên kết của nguồn tin Atom và `type` của mọi lỗi (<địa chỉ>/portal/errors/<mã>; đặt trên mọi nút, kể cả gateway); để trống: địa chỉ đang nghe / the public address of the console and portal (behind a proxy/TLS), used in the Atom feed links and every problem `type` (set it on every node, gateway ones included); empty: the listening address',
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    // Single sign-on for the web console (issue 11 item 5, docs/sso.md): OpenID Connect, authorization code + PKCE.
    oidc: Type.Object(
      {
        issuer: Type.String({
          default: '',
          description:
            'Issuer của nhà cung cấp định danh (https://sso.tinh.gov.vn/realms/lgsp); để trống: tắt SSO / the identity provider’s issuer; empty: SSO off',
        }),
        clientId: Type.String({ default: '' }),
        // No pattern on purpose: a schema error prints the value it got, and this is a secret.
        clientSecret: Type.String({
          default: '',
          description:
            'Bí mật của client (client_secret_basic); để trống: client công khai chỉ dùng PKCE / the client secret; empty: a public client (PKCE only)',
        }),
        redirectUrl: Type.String({
          default: '',
          description:
            'Địa chỉ callback đã đăng ký ở nhà cung cấp; để trống: <admin.publicUrl>/api/v1/auth/oidc/callback / the registered redirect URI',
        }),
        scopes: Type.Array(Type.String({ pattern: '^[\\x21\\x23-\\x5B\\x5D-\\x7E]+$' }), {
          default: ['openid', 'profile', 'email'],
          maxItems: 20,
        }),
        label: Type.String({
          minLength: 1,
          maxLength: 100,
          default: 'Đăng nhập bằng SSO / Sign in with SSO',
          description: 'Nhãn nút đăng nhập SSO trên bảng điều khiển / the console’s SSO button',
        }),
        usernameClaim: Type.String({ minLength: 1, default: 'preferred_username' }),
        rules: Type.Array(OidcRuleSchema(), {
          default: [],
          maxItems: 200,
          description:
            'Quy tắc ánh xạ claim → vai trò, cơ quan; theo thứ tự, quy tắc khớp đầu tiên được dùng / claim rules, in order, first match wins',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    redisUrl: Type.String({
      default: '',
      description:
        'redis://… : bộ đếm hạn mức, số lần xác thực sai tại /token và chữ ký liên thông đã nhận (chống phát lại) dùng chung cho mọi nút; để trống: trong tiến trình / cluster-wide quota and /token failure counters and accepted federation signatures (replays); empty: in-process',
    }),
    redis: Type.Object(
      {
        onUnavailable: Type.Union([Type.Literal('open'), Type.Literal('closed')], {
          default: 'open',
          description:
            'Khi Redis không truy cập được: open = đếm và kiểm riêng từng nút, closed = từ chối 503 (lời gọi có hạn mức, /token, lời gọi liên thông nhận vào) / when Redis is unreachable: open = count and check per node, closed = refuse 503 (calls with a quota, /token, inbound federated calls)',
        }),
        keyPrefix: Type.String({ minLength: 1, maxLength: 100, default: 'lgsp:' }),
        leaseMax: Type.Integer({
          minimum: 1,
          maximum: 10000,
          default: 100,
          description:
            'Số lượt tối đa một nút nhận trước mỗi lần hỏi Redis / most calls a node leases per Redis round trip',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    recorder: Type.Object(
      {
        flushIntervalMs: Type.Integer({ minimum: 10, maximum: 60000, default: 200 }),
        batchSize: Type.Integer({ minimum: 1, maximum: 10000, default: 1000 }),
        maxBacklog: Type.Integer({ minimum: 1000, maximum: 10000000, default: 200000 }),
        // No default here: unset means `strict`, except `batched` for a store in memory (`recordDurability`).
        durability: Type.Optional(
          Type.Union([Type.Literal('strict'), Type.Literal('batched')], {
            description:
              'strict: bản ghi giao dịch bền vững trước byte cuối của câu trả lời; batched: ghi theo lô (nhanh hơn, mất bản ghi chưa ghi khi nút chết) / strict: a call’s record is durable before its answer’s last byte; batched: written in batches',
          }),
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    snapshot: Type.Object(
      { pollIntervalMs: Type.Integer({ minimum: 50, maximum: 60000, default: 500 }) },
      { additionalProperties: false, default: {} },
    ),
    notifications: Type.Object(
      {
        // Not checked against a pattern here on purpose: a schema error prints the value it got, and this URL
        // may carry the SMTP password (R-25). The Notifier checks its form and reports it without the value.
        smtpUrl: Type.String({
          default: '',
          description: 'smtp://user:pass@host:587 hoặc smtps://…:465 để gửi thư; để trống: không gửi thư',
        }),
        mailFrom: Type.String({ minLength: 3, default: '"LGSP tỉnh" <lgsp@localhost>' }),
        pollIntervalMs: Type.Integer({ minimum: 100, maximum: 3600000, default: 5000 }),
        maxAttempts: Type.Integer({ minimum: 1, maximum: 50, default: 8 }),
      },
      { additionalProperties: false, default: {} },
    ),
    workflow: Type.Object(
      {
        holidays: Type.Array(Type.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])$' }), {
          maxItems: 1000,
          default: [...VIETNAM_HOLIDAYS_2026],
          description:
            'Ngày nghỉ lễ (YYYY-MM-DD, giờ địa phương) không tính vào hạn xử lý đề nghị; mặc định: ngày nghỉ 2026',
        }),
        responseDeadlineWorkingDays: Type.Integer({
          minimum: 1,
          maximum: 60,
          default: 2,
          description: 'Hạn xử lý đề nghị đăng ký khai thác, ngày làm việc (Nghị định 194/2025: 2)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    alerts: Type.Object(
      {
        emails: Type.Array(Type.String({ minLength: 3, maxLength: 254 }), {
          maxItems: 50,
          default: [],
          description:
            'Địa chỉ thư của bộ phận vận hành nhận cảnh báo / operator addresses that receive alerts',
        }),
        operatorOrganizationCode: Type.String({
          default: '',
          description:
            'Mã cơ quan vận hành: webhook của cơ quan này nhận mọi cảnh báo / the operator organization whose webhooks get every alert',
        }),
        evaluateIntervalSeconds: Type.Integer({ minimum: 1, maximum: 3600, default: 15 }),
        windowMinutes: Type.Integer({ minimum: 1, maximum: 1440, default: 5 }),
        errorRatePercent: Type.Integer({ minimum: 1, maximum: 100, default: 50 }),
        minCalls: Type.Integer({ minimum: 1, maximum: 100000, default: 5 }),
        consecutiveFailures: Type.Integer({ minimum: 1, maximum: 1000, default: 5 }),
        latencyP95Ms: Type.Integer({ minimum: 100, maximum: 600000, default: 10000 }),
        silentHours: Type.Integer({ minimum: 1, maximum: 720, default: 24 }),
        backlogThreshold: Type.Integer({ minimum: 1, maximum: 100000000, default: 1000 }),
        credentialExpiryDays: Type.Integer({ minimum: 1, maximum: 365, default: 7 }),
        certificateExpiryDays: Type.Integer({
          minimum: 1,
          maximum: 365,
          default: 30,
          description:
            'Cảnh báo khi chứng chỉ TLS (của nền tảng hoặc chứng chỉ máy khách đã gắn) còn ít hơn số ngày này / alert this many days before a TLS certificate expires',
        }),
        endingDays: Type.Integer({
          minimum: 1,
          maximum: 180,
          default: 30,
          description:
            'Cảnh báo khi phiên bản hoặc dịch vụ mà hệ thống khai thác vẫn gọi ở môi trường chính thức sẽ ngừng trong số ngày này (R-18, R-21, R-22) / alert this many days before a version or service that consumers still call in production ends',
        }),
        escalateAfterMinutes: Type.Integer({ minimum: 1, maximum: 10080, default: 30 }),
        probeTimeoutMs: Type.Integer({ minimum: 100, maximum: 60000, default: 5000 }),
        probeFailures: Type.Integer({ minimum: 1, maximum: 100, default: 3 }),
      },
      { additionalProperties: false, default: {} },
    ),
    // Asynchronous store-and-forward (issue 4): where messages wait, how long, and how delivery retries.
    messaging: Type.Object(
      {
        engine: Type.Union([Type.Literal('embedded'), Type.Literal('nats')], {
          default: 'embedded',
          description:
            'embedded: hàng đợi trong kho dữ liệu (PGlite/PostgreSQL); nats: NATS JetStream khi mở rộng nhiều nút',
        }),
        natsUrl: Type.String({ default: 'nats://127.0.0.1:4222' }),
        natsPrefix: Type.String({ pattern: '^[-_a-zA-Z0-9]+$', default: 'lgsp' }),
        natsReplicas: Type.Integer({
          minimum: 1,
          maximum: 5,
          default: 1,
          description:
            'số máy chủ JetStream giữ mỗi thông điệp (3 trên cụm NATS 3 máy) / how many JetStream servers keep each message (3 on a 3-server NATS cluster)',
        }),
        maxMessageBytes: Type.Integer({ minimum: 1024, maximum: 2147483648, default: 134217728 }),
        ttlHours: Type.Integer({ minimum: 1, maximum: MESSAGE_TTL_MAX_HOURS, default: 72 }),
        maxAttempts: Type.Integer({ minimum: 1, maximum: 100, default: 12 }),
        retryBaseMs: Type.Integer({ minimum: 10, maximum: 3600000, default: 2000 }),
        retryMaxMs: Type.Integer({ minimum: 10, maximum: 86400000, default: 900000 }),
        pushTimeoutMs: Type.Integer({ minimum: 100, maximum: 600000, default: 30000 }),
        // A push's claim lasts pushTimeoutMs plus this margin, which covers the time before the push starts, pauses
        // and the nodes' clock skew on the embedded engine so a live node's push ends within its claim; a crashed
        // node's in-flight messages are pushed again by another node once it lapses (docs/messaging.md).
        claimMarginSeconds: Type.Integer({
          minimum: 1,
          maximum: 3600,
          default: 30,
          description:
            "Thời gian giữ thêm sau pushTimeoutMs trước khi thông điệp đang đẩy của một nút đã chết được nút khác đẩy lại / how long past pushTimeoutMs a dead node's in-flight messages wait before another node pushes them again",
        }),
        pollIntervalMs: Type.Integer({ minimum: 10, maximum: 60000, default: 250 }),
        pullLeaseSeconds: Type.Integer({ minimum: 5, maximum: 86400, default: 300 }),
        // R-02 on disk (issue 10 item 3): payloads are sealed with one data key per epoch, destroyed once the
        // epoch's messages are settled (src/messaging/payload-keys.ts).
        keyEpochMinutes: Type.Integer({
          minimum: 1,
          maximum: 1440,
          default: 60,
          description:
            'Độ dài một kỳ khoá dữ liệu của nội dung thông điệp (phút); khoá bị huỷ khi mọi thông điệp của kỳ đã xong',
        }),
        keyDir: Type.String({
          default: '',
          description:
            'Thư mục tệp khoá dữ liệu của thông điệp (ngoài kho dữ liệu); để trống: <dataDir>/message-keys',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    // Retention of transaction records (issue 5, R-20: kept at least 2 years; src/telemetry/retention.ts).
    retention: Type.Object(
      {
        transactionDays: Type.Integer({
          minimum: 730,
          maximum: 36500,
          default: 730,
          description:
            'Số ngày giữ bản ghi giao dịch trong kho trước khi lưu trữ ra tệp; không được ngắn hơn 730 ngày (2 năm, R-20)',
        }),
        archiveDir: Type.String({
          default: '',
          description: 'Thư mục tệp lưu trữ các tháng đã hết hạn; để trống: <dataDir>/archives',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    // R-24's periodic backup (issue 13 item 4): a lease-held job writes, verifies and rotates backup files.
    backup: Type.Object(
      {
        schedule: Type.String({
          default: '',
          pattern: '^(|[1-9][0-9]{0,3}(m|h|d))$',
          description:
            'Chu kỳ sao lưu tự động: 30m, 6h, 1d…; để trống: tắt / how often a backup is written: 30m, 6h, 1d…; empty: off',
        }),
        keep: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 7,
          description:
            'Số bản sao lưu tự động giữ lại (bản cũ nhất bị xoá) / how many scheduled backups are kept',
        }),
        dir: Type.String({
          default: '',
          description:
            'Thư mục bản sao lưu tự động; để trống: <dataDir>/backups / where scheduled backups go',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    // Secrets at rest (issue 10 item 4, src/keys/): the key-encryption key that seals every stored secret.
    keys: Type.Object(
      {
        encryptionKeyFile: Type.String({
          default: '',
          description:
            'Tệp khoá mã hoá khoá (base64 của 32 byte, chmod 600); để trống: <dataDir>.kek, bên cạnh thư mục dữ liệu, tạo khi khởi động lần đầu',
        }),
        // No pattern on purpose: a schema error prints the value it got, and this is the key itself.
        encryptionKey: Type.String({
          default: '',
          description: 'Khoá mã hoá khoá (base64 của 32 byte); thắng tệp khoá khi được đặt',
        }),
        kmsCommand: Type.String({
          default: '',
          description: 'Lệnh (sh -c) in khoá mã hoá khoá ra stdout, dạng base64 — móc nối KMS/HSM',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    // Egress policy (issue 10, no SSRF): where the platform may connect — upstreams, probes, webhooks, pushes.
    egress: Type.Object(
      {
        allow: Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
          maxItems: 1000,
          default: [],
          description:
            'Đích được phép ngoài mặc định: CIDR (10.0.0.0/8, [fd00::]/8), địa chỉ hoặc tên máy, có thể kèm :cổng; ' +
            'dải riêng, loopback và link-local bị chặn nếu không liệt kê / targets allowed beyond the defaults',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    // Brute-force limits (issue 10 item 5, src/core/backoff.ts): free failures, then blocks doubling to a lockout;
    // and the rate of the platform's own endpoints `/_lgsp/…` per credential.
    limits: Type.Object(
      {
        tokenFreeFailures: Type.Integer({
          minimum: 1,
          maximum: 10000,
          default: 10,
          description:
            'Số lần sai secret liên tiếp của một consumer key tại /token trước khi bị chặn tạm / failures per consumer key before blocks start',
        }),
        tokenAddressFreeFailures: Type.Integer({
          minimum: 1,
          maximum: 100000,
          default: 50,
          description:
            'Số lần sai tại /token từ một địa chỉ (mọi key) trước khi bị chặn tạm / failures per client address before blocks start',
        }),
        tokenBlockBaseMs: Type.Integer({ minimum: 1, maximum: 3600000, default: 1000 }),
        tokenBlockMaxSeconds: Type.Integer({ minimum: 1, maximum: 86400, default: 300 }),
        loginFreeFailures: Type.Integer({
          minimum: 1,
          maximum: 1000,
          default: 5,
          description:
            'Số lần sai mật khẩu của một tên đăng nhập trước khi bị chặn tạm / failures per username before blocks start',
        }),
        loginAddressFreeFailures: Type.Integer({
          minimum: 1,
          maximum: 100000,
          default: 30,
          description:
            'Số lần đăng nhập sai từ một địa chỉ (mọi tên) trước khi bị chặn tạm / failures per client address before blocks start',
        }),
        loginBlockBaseMs: Type.Integer({ minimum: 1, maximum: 3600000, default: 1000 }),
        loginLockoutMinutes: Type.Integer({
          minimum: 1,
          maximum: 10080,
          default: 15,
          description:
            'Thời gian khóa dài nhất (khóa tạm), quản trị viên mở được bằng lgsp user unlock / the longest block (the lockout), lifted by lgsp user unlock',
        }),
        failureWindowMinutes: Type.Integer({
          minimum: 1,
          maximum: 10080,
          default: 60,
          description:
            'Quên các lần sai khi không có lần sai mới trong khoảng này / failures are forgotten after this long without a new one',
        }),
        alertFailures: Type.Integer({
          minimum: 1,
          maximum: 10000000,
          default: 50,
          description:
            'Số lần sai (token hoặc đăng nhập) trong alerts.windowMinutes thì mở cảnh báo auth.bruteforce / failures within alerts.windowMinutes that open an auth.bruteforce alert',
        }),
        // docs/security.md §2.13: `/_lgsp/…` reads the store or the queue on every call. 6,000 (100 a second) stops a
        // runaway loop, and lets a pull loop drain 50 messages a second with their acks; a peer platform is not
        // counted (it polls for a province).
        platformRequestsPerMinute: Type.Integer({
          minimum: 0,
          maximum: 10000000,
          default: 6000,
          description:
            'Số yêu cầu tối đa mỗi phút tới /_lgsp/… (trạng thái, biên nhận, hộp thư, xác nhận) của một consumer key trong một môi trường; 0: không giới hạn / ' +
            'requests per minute to /_lgsp/… (status, receipts, inbox, acks) per consumer key and environment; 0: no limit',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    // Changing and ending services (Articles 13–15, R-24): how far ahead maintenance must be announced.
    lifecycle: Type.Object(
      {
        maintenanceMinNoticeHours: Type.Integer({
          minimum: 0,
          maximum: 720,
          default: 24,
          description:
            'Thông báo bảo trì phải trước giờ bắt đầu ít nhất số giờ này (R-24: thông báo trước cho các bên liên quan) / ' +
            'a maintenance window must be announced at least this many hours before it starts',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    // One platform per province (issue 11): the name, logo and colour the console and the portal show.
    branding: Type.Object(
      {
        provinceName: Type.String({
          minLength: 1,
          maxLength: 200,
          default: 'Tỉnh Mẫu / Sample Province',
          description: 'Tên tỉnh hiển thị trên bảng điều khiển và cổng thông tin / province name',
        }),
        shortName: Type.String({ minLength: 1, maxLength: 40, default: 'LGSP' }),
        portalTitle: Type.String({
          minLength: 1,
          maxLength: 200,
          default: 'Cổng thông tin nhà phát triển LGSP / LGSP developer portal',
        }),
        logoFile: Type.String({
          default: '',
          description:
            'Tệp logo PNG hoặc SVG (tối đa 256 KiB), đọc khi khởi động; để trống: logo trung tính có sẵn / PNG or SVG logo file (at most 256 KiB), read at start; empty: a built-in neutral logo',
        }),
        primaryColor: Type.String({
          pattern: '^#[0-9a-fA-F]{6}$',
          default: '#1d4f91',
          description: 'Màu chủ đạo, dạng #rrggbb / primary colour, #rrggbb',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    // Issue 12 item 8: client code written for other provincial LGSPs works unchanged, each convention behind its
    // own switch (docs/moving-from-another-lgsp.md); `lgsp demo` turns them all on.
    clientConventions: Type.Object(
      {
        lgspAccessToken: Type.Boolean({
          default: false,
          description:
            'Nhận header lgspaccesstoken (dạng 1: base64 JSON AccessKey/SecretKey…; dạng 2: kèm Bearer, ghi nhận SENDER_CODE/RECEIVER_CODE/TRAN_CODE) / accept the lgspaccesstoken header (form 1: base64 JSON AccessKey/SecretKey…; form 2: beside a Bearer token, recording SENDER_CODE/RECEIVER_CODE/TRAN_CODE)',
        }),
        lgspAccessTokenCacheSeconds: Type.Integer({
          minimum: 0,
          maximum: 300,
          default: 60,
          description:
            'Giữ kết quả kiểm tra một header dạng 1 trong bộ nhớ bấy nhiêu giây (thu hồi, thay khoá xoá ngay) / keep a verified form-1 header this long in memory (revocation and rotation clear it at once)',
        }),
        tokenRevocation: Type.Boolean({
          default: true,
          description: 'POST /revoke (RFC 7009) thu hồi access token / POST /revoke revokes access tokens',
        }),
        caseInsensitiveAuthSchemes: Type.Boolean({
          default: true,
          description:
            'Chấp nhận "basic", "bearer" viết thường (RFC 9110 §11.1) / accept auth schemes in any case (RFC 9110 §11.1)',
        }),
        statusEnvelopeVersions: Type.Array(
          Type.String({ pattern: '^[^/\\s?#]+(/[^/\\s?#]+)*/[A-Za-z0-9][A-Za-z0-9._-]*$', maxLength: 200 }),
          {
            default: [],
            description:
              'Các phiên bản "context/version" mà lỗi của nền tảng trả theo dạng StatusCode/Status/Description/ResultObject thay cho problem+json / versions whose platform errors answer that envelope instead of problem+json',
          },
        ),
      },
      { additionalProperties: false, default: {} },
    ),
    // Federation (issue 12, docs/federation.md): how our peers know this platform.
    federation: Type.Object(
      {
        code: Type.String({
          pattern: '^[a-z][a-z0-9_.-]{0,62}$',
          default: 'lgsp',
          description:
            'Mã của nền tảng này tại các nền tảng ngang hàng, cũng là nhãn chữ ký RFC 9421 của nó (chữ thường) / ' +
            'this platform’s code at its peers, also its RFC 9421 signature label (lower case)',
        }),
      },
      { additionalProperties: false, default: {} },
    ),
    logLevel: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((l) => Type.Literal(l)),
      { default: 'info' },
    ),
    // What a person reads is Vietnamese first and in Vietnam time; machines (systemd's journal, log shippers, CI)
    // keep pino's JSON unchanged. `auto` tells them apart by whether stderr is a terminal (src/telemetry/logger.ts).
    logFormat: Type.Union([Type.Literal('auto'), Type.Literal('json'), Type.Literal('text')], {
      default: 'auto',
      description:
        'Dạng nhật ký trên stderr: `auto` (mặc định) — `text` khi stderr là terminal, nếu không `json`; `json` — một ' +
        'đối tượng JSON mỗi dòng (pino); `text` — một dòng dễ đọc mỗi bản ghi, giờ Việt Nam / log format on stderr: ' +
        '`auto` (default) — `text` on a terminal, else `json`; `json` — one pino JSON object per line; `text` — one ' +
        'readable line per record, in Vietnam time',
    }),
  },
  { additionalProperties: false },
);

export type Config = Static<typeof ConfigSchema>;

/** Each environment variable and the setting it fills. Types come from the schema. */
export const ENV_SETTINGS: Record<string, string> = {
  LGSP_DATA_DIR: 'dataDir',
  LGSP_DATABASE_URL: 'databaseUrl',
  LGSP_ROLE: 'role',
  LGSP_TIMEZONE_OFFSET_MINUTES: 'timezoneOffsetMinutes',
  LGSP_GATEWAY_HOST: 'gateway.host',
  LGSP_GATEWAY_PORT: 'gateway.port',
  LGSP_GATEWAY_WORKERS: 'gateway.workers',
  LGSP_GATEWAY_WORKER_ACCEPT: 'gateway.workerAccept',
  LGSP_TOKEN_TTL_SECONDS: 'gateway.tokenTtlSeconds',
  LGSP_UPSTREAM_TIMEOUT_MS: 'gateway.upstreamTimeoutMs',
  LGSP_LISTEN_BACKLOG: 'gateway.listenBacklog',
  LGSP_GATEWAY_TLS_CERT_FILE: 'gateway.tls.certFile',
  LGSP_GATEWAY_TLS_KEY_FILE: 'gateway.tls.keyFile',
  LGSP_GATEWAY_TLS_CLIENT_CA_FILE: 'gateway.tls.clientCaFile',
  LGSP_TRUSTED_PROXIES: 'gateway.trustedProxies',
  LGSP_MAX_REQUEST_BODY_BYTES: 'gateway.maxRequestBodyBytes',
  LGSP_HEADERS_TIMEOUT_MS: 'gateway.headersTimeoutMs',
  LGSP_REQUEST_TIMEOUT_MS: 'gateway.requestTimeoutMs',
  LGSP_KEEP_ALIVE_TIMEOUT_MS: 'gateway.keepAliveTimeoutMs',
  LGSP_CONNECTIONS_PER_ADDRESS: 'gateway.maxConnectionsPerAddress',
  LGSP_UPSTREAM_CONNECTIONS: 'gateway.upstreamConnectionsPerOrigin',
  LGSP_COMPOSITE_MAX_RESPONSE_BYTES: 'gateway.compositeMaxResponseBytes',
  LGSP_ADMIN_HOST: 'admin.host',
  LGSP_ADMIN_PORT: 'admin.port',
  LGSP_ADMIN_PASSWORD: 'admin.password',
  LGSP_SESSION_TTL_HOURS: 'admin.sessionTtlHours',
  LGSP_ADMIN_METRICS_TOKEN: 'admin.metricsToken',
  LGSP_ADMIN_TLS_CERT_FILE: 'admin.tls.certFile',
  LGSP_ADMIN_TLS_KEY_FILE: 'admin.tls.keyFile',
  LGSP_ADMIN_PUBLIC_URL: 'admin.publicUrl',
  LGSP_ADMIN_TRUSTED_PROXIES: 'admin.trustedProxies',
  LGSP_OIDC_ISSUER: 'oidc.issuer',
  LGSP_OIDC_CLIENT_ID: 'oidc.clientId',
  LGSP_OIDC_CLIENT_SECRET: 'oidc.clientSecret',
  LGSP_OIDC_REDIRECT_URL: 'oidc.redirectUrl',
  LGSP_OIDC_SCOPES: 'oidc.scopes',
  LGSP_OIDC_LABEL: 'oidc.label',
  LGSP_GATEWAY_PUBLIC_URL: 'gateway.publicUrl',
  LGSP_BRANDING_PROVINCE_NAME: 'branding.provinceName',
  LGSP_BRANDING_SHORT_NAME: 'branding.shortName',
  LGSP_BRANDING_PORTAL_TITLE: 'branding.portalTitle',
  LGSP_BRANDING_LOGO_FILE: 'branding.logoFile',
  LGSP_BRANDING_PRIMARY_COLOR: 'branding.primaryColor',
  LGSP_REDIS_URL: 'redisUrl',
  LGSP_REDIS_ON_UNAVAILABLE: 'redis.onUnavailable',
  LGSP_REDIS_KEY_PREFIX: 'redis.keyPrefix',
  LGSP_RECORDER_FLUSH_INTERVAL_MS: 'recorder.flushIntervalMs',
  LGSP_RECORDER_BATCH_SIZE: 'recorder.batchSize',
  LGSP_RECORDER_MAX_BACKLOG: 'recorder.maxBacklog',
  LGSP_RECORDER_DURABILITY: 'recorder.durability',
  LGSP_SNAPSHOT_POLL_INTERVAL_MS: 'snapshot.pollIntervalMs',
  LGSP_SMTP_URL: 'notifications.smtpUrl',
  LGSP_MAIL_FROM: 'notifications.mailFrom',
  LGSP_NOTIFY_POLL_INTERVAL_MS: 'notifications.pollIntervalMs',
  LGSP_NOTIFY_MAX_ATTEMPTS: 'notifications.maxAttempts',
  LGSP_HOLIDAYS: 'workflow.holidays',
  LGSP_ALERT_EMAILS: 'alerts.emails',
  LGSP_ALERT_OPERATOR_ORG: 'alerts.operatorOrganizationCode',
  LGSP_ALERT_INTERVAL_SECONDS: 'alerts.evaluateIntervalSeconds',
  LGSP_ALERT_CERT_EXPIRY_DAYS: 'alerts.certificateExpiryDays',
  LGSP_MESSAGING_ENGINE: 'messaging.engine',
  LGSP_NATS_URL: 'messaging.natsUrl',
  LGSP_NATS_PREFIX: 'messaging.natsPrefix',
  LGSP_NATS_REPLICAS: 'messaging.natsReplicas',
  LGSP_MESSAGE_MAX_BYTES: 'messaging.maxMessageBytes',
  LGSP_MESSAGE_TTL_HOURS: 'messaging.ttlHours',
  LGSP_DELIVERY_MAX_ATTEMPTS: 'messaging.maxAttempts',
  LGSP_DELIVERY_RETRY_BASE_MS: 'messaging.retryBaseMs',
  LGSP_DELIVERY_RETRY_MAX_MS: 'messaging.retryMaxMs',
  LGSP_DELIVERY_TIMEOUT_MS: 'messaging.pushTimeoutMs',
  LGSP_PUSH_CLAIM_MARGIN_SECONDS: 'messaging.claimMarginSeconds',
  LGSP_DELIVERY_POLL_INTERVAL_MS: 'messaging.pollIntervalMs',
  LGSP_INBOX_LEASE_SECONDS: 'messaging.pullLeaseSeconds',
  LGSP_MESSAGE_KEY_EPOCH_MINUTES: 'messaging.keyEpochMinutes',
  LGSP_MESSAGE_KEY_DIR: 'messaging.keyDir',
  LGSP_RETENTION_TRANSACTION_DAYS: 'retention.transactionDays',
  LGSP_ARCHIVE_DIR: 'retention.archiveDir',
  LGSP_BACKUP_SCHEDULE: 'backup.schedule',
  LGSP_BACKUP_KEEP: 'backup.keep',
  LGSP_BACKUP_DIR: 'backup.dir',
  LGSP_KEY_ENCRYPTION_KEY_FILE: 'keys.encryptionKeyFile',
  LGSP_KEY_ENCRYPTION_KEY: 'keys.encryptionKey',
  LGSP_KMS_COMMAND: 'keys.kmsCommand',
  LGSP_EGRESS_ALLOW: 'egress.allow',
  LGSP_TOKEN_FREE_FAILURES: 'limits.tokenFreeFailures',
  LGSP_TOKEN_ADDRESS_FREE_FAILURES: 'limits.tokenAddressFreeFailures',
  LGSP_TOKEN_BLOCK_BASE_MS: 'limits.tokenBlockBaseMs',
  LGSP_TOKEN_BLOCK_MAX_SECONDS: 'limits.tokenBlockMaxSeconds',
  LGSP_LOGIN_FREE_FAILURES: 'limits.loginFreeFailures',
  LGSP_LOGIN_ADDRESS_FREE_FAILURES: 'limits.loginAddressFreeFailures',
  LGSP_LOGIN_BLOCK_BASE_MS: 'limits.loginBlockBaseMs',
  LGSP_LOGIN_LOCKOUT_MINUTES: 'limits.loginLockoutMinutes',
  LGSP_FAILURE_WINDOW_MINUTES: 'limits.failureWindowMinutes',
  LGSP_BRUTEFORCE_ALERT_FAILURES: 'limits.alertFailures',
  LGSP_PLATFORM_REQUESTS_PER_MINUTE: 'limits.platformRequestsPerMinute',
  LGSP_LOG_LEVEL: 'logLevel',
  LGSP_LOG_FORMAT: 'logFormat',
  LGSP_MAINTENANCE_MIN_NOTICE_HOURS: 'lifecycle.maintenanceMinNoticeHours',
  LGSP_CONVENTION_LGSPACCESSTOKEN: 'clientConventions.lgspAccessToken',
  LGSP_CONVENTION_LGSPACCESSTOKEN_CACHE_SECONDS: 'clientConventions.lgspAccessTokenCacheSeconds',
  LGSP_CONVENTION_TOKEN_REVOCATION: 'clientConventions.tokenRevocation',
  LGSP_CONVENTION_CASE_INSENSITIVE_SCHEMES: 'clientConventions.caseInsensitiveAuthSchemes',
  LGSP_CONVENTION_STATUS_ENVELOPE_VERSIONS: 'clientConventions.statusEnvelopeVersions',
  LGSP_FEDERATION_CODE: 'federation.code',
};

/** Variables that belong to other readers (the CLI client, the test suites) and are not platform settings. */
const ENV_NOT_SETTINGS = new Set([
  'LGSP_CONFIG',
  'LGSP_ADMIN_URL',
  'LGSP_ADMIN_TOKEN',
  'LGSP_TEST_DATABASE_URL',
  'LGSP_TEST_NATS_URL',
  'LGSP_TEST_REDIS_URL',
  'LGSP_TEST_CHROMIUM',
  'LGSP_BENCH_NATS_URL',
  'LGSP_BENCH_DATABASE_URL',
  // The fuzz suite's seed and time budget (test/fuzz.edge.test.ts), exported in a shell to replay a failure.
  'LGSP_FUZZ_SEED',
  'LGSP_FUZZ_MS',
  // `lgsp demo`'s preferred ports when none is set (tests point them at a port they hold; src/cli/demo.ts).
  'LGSP_DEMO_DEFAULT_GATEWAY_PORT',
  'LGSP_DEMO_DEFAULT_ADMIN_PORT',
]);

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Cấu hình không hợp lệ / Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Json = Record<string, unknown>;

function setPath(target: Json, path: string, value: unknown): void {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1]!] = value;
}

/** Settings laid over settings: objects merge key by key, anything else (lists too) in `over` replaces. */
export function mergeSettings(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && b && typeof b === 'object'
        ? mergeSettings(b as Json, v as Json)
        : v;
  }
  return out;
}

/**
 * Environment values are strings; a setting the schema declares an integer is converted when it looks like one,
 * and a list is given comma-separated (`LGSP_HOLIDAYS=2026-01-01,2026-04-30`; empty: none).
 */
function envValue(raw: string, path: string): unknown {
  let node: unknown = ConfigSchema;
  for (const key of path.split('.')) node = (node as { properties?: Json }).properties?.[key];
  const type = (node as { type?: string } | undefined)?.type;
  if (type === 'array')
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  // A switch is `true` or `false`; anything else is left as text for the schema to refuse by name.
  if (type === 'boolean' && /^(true|false)$/i.test(raw.trim())) return raw.trim().toLowerCase() === 'true';
  return type === 'integer' && /^-?\d+$/.test(raw.trim()) ? Number(raw.trim()) : raw;
}

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** Settings given by code (tests, `lgsp demo`), applied over the environment. */
  overrides?: Json;
  cwd?: string;
}

/** Loads, validates and freezes the configuration; throws ConfigError listing every problem. */
export function loadConfig(options: LoadConfigOptions = {}): Config {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const problems: string[] = [];

  let fromFile: Json = {};
  const explicitFile = env['LGSP_CONFIG'];
  const file = explicitFile ? resolve(cwd, explicitFile) : resolve(cwd, 'lgsp.config.json');
  if (explicitFile && !existsSync(file)) problems.push(`LGSP_CONFIG: không có tệp / no such file: ${file}`);
  else if (existsSync(file)) {
    try {
      fromFile = JSON.parse(readFileSync(file, 'utf8')) as Json;
    } catch (err) {
      problems.push(`${file}: không đọc được JSON / not valid JSON: ${(err as Error).message}`);
    }
  }

  const fromEnv: Json = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('LGSP_') || raw === undefined) continue;
    const path = ENV_SETTINGS[name];
    if (path) setPath(fromEnv, path, envValue(raw, path));
    else if (!ENV_NOT_SETTINGS.has(name)) {
      problems.push(
        `${name}: biến môi trường không được hỗ trợ / unknown setting (see docs/configuration.md)`,
      );
    }
  }

  const merged = mergeSettings(mergeSettings(fromFile, fromEnv), options.overrides ?? {});
  const withDefaults = Value.Default(ConfigSchema, structuredClone(merged)) as Json;
  for (const error of Value.Errors(ConfigSchema, withDefaults)) {
    const path = error.path.replace(/^\//, '').replaceAll('/', '.') || '(root)';
    // A list's item (`workflow.holidays.0`) was set by the list's variable.
    const setting = path.replace(/(\.\d+)+$/, '');
    const envName = Object.entries(ENV_SETTINGS).find(([, p]) => p === setting)?.[0];
    // R-20: say why, not only the bound (src/telemetry/retention.ts refuses it again at run time).
    const why =
      path === 'retention.transactionDays'
        ? ' — thời hạn lưu giữ không được ngắn hơn 730 ngày (2 năm) theo R-20 / retention must not be shorter than 730 days (2 years), R-20'
        : '';
    problems.push(
      `${path}${envName ? ` (${envName})` : ''}: ${schemaProblem(error)}${error.value === undefined ? '' : `; giá trị / got: ${JSON.stringify(error.value)}`}${why}`,
    );
  }
  const allow = (withDefaults['egress'] as { allow?: unknown } | undefined)?.allow;
  if (Array.isArray(allow) && allow.every((e) => typeof e === 'string')) {
    problems.push(...parseEgressAllow(allow).problems);
  }
  if (problems.length === 0) problems.push(...roleProblems(withDefaults as Config));
  if (problems.length === 0) problems.push(...tlsProblems(withDefaults as Config));
  if (problems.length === 0) problems.push(...oidcProblems(withDefaults as Config));
  for (const [section, env] of [
    ['gateway', 'LGSP_TRUSTED_PROXIES'],
    ['admin', 'LGSP_ADMIN_TRUSTED_PROXIES'],
  ] as const) {
    const proxies = (withDefaults[section] as { trustedProxies?: unknown } | undefined)?.trustedProxies;
    if (!Array.isArray(proxies)) continue;
    for (const entry of proxies) {
      if (typeof entry === 'string' && !isAddressOrCidr(entry)) {
        problems.push(
          `${section}.trustedProxies (${env}): "${entry}" không phải địa chỉ IP hoặc CIDR / is not an IP address or CIDR`,
        );
      }
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(withDefaults as Config);
}

/**
 * What is wrong with one value, Vietnamese first, for the operator who typed it: the schema library's own words are
 * English only, and "Expected union value" does not say which values are allowed.
 */
function schemaProblem(error: ValueError): string {
  const schema = error.schema as {
    anyOf?: Array<{ const?: unknown }>;
    minimum?: number;
    maximum?: number;
    pattern?: string;
  };
  switch (error.type) {
    case ValueErrorType.Union: {
      const allowed = (schema.anyOf ?? []).map((s) => s.const).filter((v) => v !== undefined);
      return allowed.length > 0
        ? `phải là một trong / must be one of: ${allowed.join(', ')}`
        : `giá trị không hợp lệ / ${error.message}`;
    }
    case ValueErrorType.Integer:
      return 'cần một số nguyên / expected an integer';
    case ValueErrorType.Number:
      return 'cần một số / expected a number';
    case ValueErrorType.IntegerMinimum:
    case ValueErrorType.NumberMinimum:
      return `cần ≥ ${schema.minimum} / expected at least ${schema.minimum}`;
    case ValueErrorType.IntegerMaximum:
    case ValueErrorType.NumberMaximum:
      return `cần ≤ ${schema.maximum} / expected at most ${schema.maximum}`;
    case ValueErrorType.Boolean:
      return 'cần true hoặc false / expected true or false';
    case ValueErrorType.String:
      return 'cần một chuỗi / expected a string';
    case ValueErrorType.StringPattern:
      return `không đúng dạng / does not match ${schema.pattern}`;
    case ValueErrorType.ObjectAdditionalProperties:
      return 'khoá không được hỗ trợ / unknown setting (see docs/configuration.md)';
    default:
      return error.message;
  }
}

/**
 * A node of one role alone is part of a cluster: its peers reach the same state only through PostgreSQL (issue 13
 * item 1). The embedded store has one owner process, so there a role other than `all` would be a node alone.
 */
function roleProblems(config: Config): string[] {
  if (config.role === 'all' || config.databaseUrl !== '') return [];
  return [
    `role (LGSP_ROLE): vai trò ${config.role} cần PostgreSQL (LGSP_DATABASE_URL) — các vai trò dùng chung trạng thái qua PostgreSQL, kho nhúng chỉ chạy role all / role ${config.role} needs PostgreSQL (LGSP_DATABASE_URL): the roles share state through PostgreSQL; the embedded store runs role all only`,
  ];
}

/** A certificate needs its key and the reverse; a client CA means nothing without HTTPS on the gateway. */
function tlsProblems(config: Config): string[] {
  const problems: string[] = [];
  const pairs: Array<[string, { certFile: string; keyFile: string }]> = [
    ['gateway.tls', config.gateway.tls],
    ['admin.tls', config.admin.tls],
  ];
  for (const [path, tls] of pairs) {
    if ((tls.certFile === '') !== (tls.keyFile === ''))
      problems.push(`${path}: certFile và keyFile đi cùng nhau / certFile and keyFile go together`);
  }
  if (config.gateway.tls.clientCaFile !== '' && config.gateway.tls.certFile === '')
    problems.push(
      'gateway.tls.clientCaFile: cần certFile/keyFile (mTLS chỉ có trên HTTPS) / needs certFile and keyFile (mTLS needs HTTPS)',
    );
  return problems;
}

/** An absolute http(s) URL; plain http only to this machine (a test provider), never across a network. */
function urlProblem(path: string, raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `${path}: không phải URL tuyệt đối / not an absolute URL`;
  }
  const loopback = ['127.0.0.1', '[::1]', 'localhost'].includes(url.hostname);
  if (url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) return null;
  return `${path}: phải là https:// (http:// chỉ với 127.0.0.1) / must be https:// (http:// only on loopback)`;
}

/** SSO settings that go together, URLs that are URLs, rules that can match and say what an agency user gets. */
function oidcProblems(config: Config): string[] {
  const problems: string[] = [];
  const { oidc, admin } = config;
  if (admin.publicUrl !== '') {
    try {
      if (!['http:', 'https:'].includes(new URL(admin.publicUrl).protocol)) throw new Error();
    } catch {
      problems.push('admin.publicUrl (LGSP_ADMIN_PUBLIC_URL): không phải URL http(s) / not an http(s) URL');
    }
  }
  if (oidc.issuer === '') return problems;
  const issuer = urlProblem('oidc.issuer (LGSP_OIDC_ISSUER)', oidc.issuer);
  if (issuer) problems.push(issuer);
  if (oidc.redirectUrl !== '') {
    const redirect = urlProblem('oidc.redirectUrl (LGSP_OIDC_REDIRECT_URL)', oidc.redirectUrl);
    if (redirect) problems.push(redirect);
  }
  if (oidc.clientId === '')
    problems.push(
      'oidc.clientId (LGSP_OIDC_CLIENT_ID): bắt buộc khi có oidc.issuer / required with oidc.issuer',
    );
  if (!oidc.scopes.includes('openid')) problems.push('oidc.scopes: phải có "openid" / must include "openid"');
  if (oidc.rules.length === 0)
    problems.push(
      'oidc.rules: cần ít nhất một quy tắc, nếu không không ai đăng nhập được / at least one rule, or nobody can sign in',
    );
  oidc.rules.forEach((rule, i) => {
    const at = `oidc.rules[${i}]`;
    if (rule.equals !== undefined && rule.matches !== undefined)
      problems.push(`${at}: chỉ một trong equals, matches / only one of equals and matches`);
    if (rule.matches !== undefined) {
      try {
        new RegExp(rule.matches, 'u');
      } catch {
        problems.push(`${at}.matches: biểu thức chính quy không hợp lệ / not a valid regular expression`);
      }
    }
    const organizations =
      Number(rule.organization !== undefined) + Number(rule.organizationFromClaim !== undefined);
    if (rule.role === 'agency' && organizations !== 1)
      problems.push(
        `${at}: vai trò agency cần đúng một trong organization, organizationFromClaim / role agency needs exactly one of organization and organizationFromClaim`,
      );
    if (rule.role !== 'agency' && organizations !== 0)
      problems.push(`${at}: chỉ vai trò agency mới gắn với cơ quan / only role agency takes an organization`);
  });
  return problems;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/** `10.0.0.1`, `10.0.0.0/8`, `fd00::/8`: an IP address, with a prefix length that fits its family. */
export function isAddressOrCidr(entry: string): boolean {
  const slash = entry.indexOf('/');
  const family = isIP(slash < 0 ? entry : entry.slice(0, slash));
  if (family === 0) return false;
  if (slash < 0) return true;
  const bits = entry.slice(slash + 1);
  return /^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128);
}
