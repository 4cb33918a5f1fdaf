import { type Static, Type } from '@sinclair/typebox';
import { OneOf, Strict, Timestamp } from './common.ts';

/** The sandbox "try it" of a service version (issue 11): one call through the gateway with the platform's test client. */

/**
 * The platform's own sandbox test client (src/control/sandbox-test-client.ts), named once: the reserved organization
 * code its records carry, and its names in both languages. The store keeps the Vietnamese names, as it keeps every
 * organization's; the console recognises the code and shows the names in the reader's language — a provider agency
 * reads the platform's try of its version as "Thử nghiệm sandbox của nền tảng", never as a bare code or "X / Y".
 */
export const PLATFORM_TEST_CLIENT = {
  organizationCode: '000.00.00.Z00',
  organizationName: { vi: 'Nền tảng LGSP — gọi thử sandbox', en: 'LGSP platform — sandbox tries' },
  systemName: { vi: 'Thử nghiệm sandbox của nền tảng', en: 'Platform sandbox test' },
  systemDescription: {
    vi: 'Do nền tảng tạo để gọi thử phiên bản dịch vụ ở môi trường sandbox; không bao giờ có quyền production.',
    en: 'Made by the platform to try service versions in the sandbox; never given production access.',
  },
} as const;

/**
 * The provider of the built-in shared category lists (`/dmdc/1.0`, src/control/categories/builtin.ts), named the
 * same way: stored in Vietnamese, shown in the reader's language.
 */
export const PLATFORM_CATEGORY_PROVIDER = {
  organizationCode: '000.00.00.Z01',
  organizationName: {
    vi: 'Nền tảng LGSP — danh mục dùng chung',
    en: 'LGSP platform — shared category lists',
  },
  systemName: { vi: 'Danh mục dùng chung của nền tảng', en: 'Platform shared category lists' },
} as const;

/** The platform's own parties by their reserved organization code: what the console names in either language. */
export const PLATFORM_PARTIES: Readonly<
  Record<string, { organizationName: { vi: string; en: string }; systemName: { vi: string; en: string } }>
> = {
  [PLATFORM_TEST_CLIENT.organizationCode]: PLATFORM_TEST_CLIENT,
  [PLATFORM_CATEGORY_PROVIDER.organizationCode]: PLATFORM_CATEGORY_PROVIDER,
};

/** A try's request body, in bytes of UTF-8: enough for a test document, not a transfer. */
export const TRY_BODY_MAX_BYTES = 65_536;
/** How much of the answer's body is shown; the rest is cut off and said so. */
export const TRY_RESPONSE_SHOWN_BYTES = 65_536;
/**
 * A call in the sandbox — the try, and the sandbox test call of the CLI, onboarding and the demo — reads its answer
 * to the end up to this size, then closes the connection: a provider answering without end holds neither memory nor
 * the call. One limit for both, so that a provider passes both or neither: the gateway records a call whose consumer
 * left mid-answer as unfinished (499), and that is no evidence for publishing.
 */
export const SANDBOX_ANSWER_MAX_BYTES = 16 * 1024 * 1024;

export const TRY_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS'] as const;

/** A header value: one line of visible text (no CR, LF or NUL, which would split the request). */
const HeaderValue = (description: string) =>
  Type.Optional(Type.String({ maxLength: 1000, pattern: '^[^\\r\\n\\x00]*$', description }));

export const SandboxTryBody = Type.Object(
  {
    method: OneOf(TRY_METHODS, { description: 'Phương thức HTTP / HTTP method' }),
    path: Type.String({
      minLength: 1,
      maxLength: 2000,
      pattern: '^/[^?#\\s\\\\]*$',
      description:
        'Đường dẫn sau /{context}/{version}, bắt đầu bằng /, không có ? hay # / the path after ' +
        '/{context}/{version}, e.g. /congdan/001099012345',
    }),
    query: Type.Optional(
      Type.String({
        maxLength: 4000,
        pattern: '^[^#\\s]*$',
        description: 'Chuỗi truy vấn, không có ? đứng đầu / the query string, without the leading ?',
      }),
    ),
    headers: Type.Optional(
      Type.Object(
        {
          'content-type': HeaderValue('Content-Type'),
          accept: HeaderValue('Accept'),
          'accept-language': HeaderValue('Accept-Language'),
          soapaction: HeaderValue('SOAPAction (dịch vụ SOAP / SOAP services)'),
          'x-request-id': HeaderValue('X-Request-Id'),
          'x-correlation-id': HeaderValue('X-Correlation-Id'),
        },
        {
          ...Strict,
          description:
            'Chỉ các trường này (tên viết thường); thông tin xác thực do nền tảng tự thêm / only these fields ' +
            '(lower case); the platform adds the credentials itself',
        },
      ),
    ),
    body: Type.Optional(
      Type.String({
        maxLength: TRY_BODY_MAX_BYTES,
        description: `Nội dung gửi (văn bản, tối đa ${TRY_BODY_MAX_BYTES / 1024} KiB) / the request body, text`,
      }),
    ),
  },
  Strict,
);
export type SandboxTryBody = Static<typeof SandboxTryBody>;

export const SandboxTryResultSchema = Type.Object({
  status: Type.Integer({ description: 'Trạng thái cổng kết nối trả về / the status the gateway answered' }),
  headers: Type.Record(Type.String(), Type.String(), {
    description: 'Các trường đầu của câu trả lời (trừ set-cookie) / the answer’s header fields',
  }),
  body: Type.String({
    description:
      'Nội dung trả lời: văn bản UTF-8, hoặc base64 với nội dung nhị phân; chỉ người gọi thử thấy, không lưu ' +
      '(R-02) / the answer’s body, shown to the caller only, never stored',
  }),
  bodyEncoding: OneOf(['utf8', 'base64'] as const),
  bodyBytes: Type.Integer({ description: 'Kích thước thật của nội dung / the body’s real size' }),
  bodyTruncated: Type.Boolean({
    description: `Đã cắt bớt: chỉ ${TRY_RESPONSE_SHOWN_BYTES / 1024} KiB đầu / cut to the first ${TRY_RESPONSE_SHOWN_BYTES / 1024} KiB`,
  }),
  durationMs: Type.Integer(),
  transactionId: Type.String({
    description:
      'Bản ghi giao dịch của lời gọi, đã ghi bền khi trả lời: công bố ngay được / the call’s record, durable',
  }),
  calledAt: Timestamp,
});
export type SandboxTryResult = Static<typeof SandboxTryResultSchema>;
