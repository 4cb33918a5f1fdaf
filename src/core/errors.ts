/**
 * The one registry of error codes (DESIGN.md, "One error registry"). Every error the platform itself answers
 * with carries one of these codes; a code is never reused for another meaning. `test/errors.test.ts` keeps this
 * list, docs/errors.md and the OpenAPI document in agreement.
 */
export interface ErrorSpec {
  status: number;
  /** Vietnamese first: what an agency developer or operator reads. */
  titleVi: string;
  title: string;
}

export const ERRORS = {
  // Gateway (data plane)
  GW_TOKEN_MISSING: {
    status: 401,
    titleVi: 'Thiếu access token',
    title: 'No access token: send Authorization: Bearer <token>',
  },
  GW_TOKEN_INVALID: {
    status: 401,
    titleVi: 'Access token không hợp lệ',
    title: 'The access token is not valid',
  },
  GW_TOKEN_EXPIRED: {
    status: 401,
    titleVi: 'Access token đã hết hạn',
    title: 'The access token has expired: request a new one at POST /token',
  },
  GW_CREDENTIAL_REVOKED: {
    status: 401,
    titleVi: 'Thông tin kết nối đã bị thu hồi',
    title: 'The credential behind this token has been revoked',
  },
  GW_ROUTE_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy dịch vụ hoặc phiên bản',
    title: 'No service version is published at this context and version',
  },
  GW_RESOURCE_NOT_FOUND: {
    status: 404,
    titleVi: 'Dịch vụ không có tài nguyên này',
    title: 'The service version declares no resource matching this method and path',
  },
  GW_NOT_IN_ENVIRONMENT: {
    status: 404,
    titleVi: 'Dịch vụ chưa được triển khai ở môi trường này',
    title: 'The service version has no upstream in the environment of this token',
  },
  GW_SUBSCRIPTION_REQUIRED: {
    status: 403,
    titleVi: 'Hệ thống chưa được đăng ký khai thác dịch vụ này',
    title: 'The calling system has no active subscription to this service version in this environment',
  },
  GW_OUTSIDE_TIME_WINDOW: {
    status: 403,
    titleVi: 'Ngoài thời gian được phép khai thác',
    title: 'The call is outside the time of use allowed by the subscription',
  },
  GW_QUOTA_EXCEEDED: {
    status: 429,
    titleVi: 'Vượt hạn mức số lần gọi',
    title: 'The subscription quota for this period is used up; see Retry-After',
  },
  GW_PLATFORM_RATE_LIMITED: {
    status: 429,
    titleVi: 'Gọi các địa chỉ /_lgsp/… của nền tảng quá nhiều lần trong một phút',
    title:
      'Too many requests to the platform endpoints /_lgsp/… (message status, receipts, inbox, acks) with this credential this minute; see Retry-After',
  },
  GW_QUOTA_UNAVAILABLE: {
    status: 503,
    titleVi: 'Tạm thời không kiểm tra được hạn mức số lần gọi',
    title: 'The shared quota counters cannot be reached and the platform is set to refuse; see Retry-After',
  },
  GW_UPSTREAM_TIMEOUT: {
    status: 504,
    titleVi: 'Hệ thống cung cấp không trả lời trong thời gian cho phép',
    title: 'The provider system did not answer within the time limit',
  },
  GW_UPSTREAM_UNREACHABLE: {
    status: 502,
    titleVi: 'Không kết nối được hệ thống cung cấp',
    title: 'The provider system could not be reached',
  },
  GW_EGRESS_DENIED: {
    status: 502,
    titleVi: 'Chính sách kết nối ra ngoài chặn địa chỉ của hệ thống cung cấp',
    title: 'The egress policy refused the provider address this service resolves to',
  },
  GW_RECORDER_BACKLOG: {
    status: 503,
    titleVi: 'Nền tảng tạm thời không ghi nhận được giao dịch',
    title: 'Transaction records cannot be written right now; the call was not forwarded',
  },
  GW_PATH_INVALID: {
    status: 400,
    titleVi:
      'Đường dẫn không hợp lệ: đoạn rỗng, đoạn "."/".." (mọi cách mã hóa), dấu \\, %2f, %00 hoặc mã hóa %XX sai',
    title:
      'The path is not canonical: an empty or dot segment in any encoding, a backslash, an encoded slash, NUL or a bad percent-encoding could reach outside the service',
  },
  GW_CLIENT_CLOSED: {
    status: 499,
    titleVi: 'Bên khai thác đã đóng kết nối trước khi nhận đủ kết quả',
    title: 'The consumer closed the connection before the answer was complete (recorded, never sent)',
  },
  GW_REQUEST_MALFORMED: {
    status: 400,
    titleVi: 'Không đọc được yêu cầu HTTP (dòng yêu cầu hoặc header sai cú pháp)',
    title: 'The HTTP request cannot be read (a malformed request line or header); the connection is closed',
  },
  GW_CONNECT_REFUSED: {
    status: 405,
    titleVi: 'Cổng kết nối không phải proxy chuyển tiếp: không nhận phương thức CONNECT',
    title: 'The gateway is not a forward proxy: CONNECT is not served; the connection is closed',
  },
  GW_HEADERS_TOO_LARGE: {
    status: 431,
    titleVi: 'Header của yêu cầu vượt giới hạn kích thước',
    title: 'The request headers are larger than the gateway accepts; the connection is closed',
  },
  GW_REQUEST_TIMEOUT: {
    status: 408,
    titleVi: 'Yêu cầu không đến đủ trong thời gian cho phép',
    title: 'The request headers (or the whole request) did not arrive in time; the connection is closed',
  },
  GW_BODY_TOO_LARGE: {
    status: 413,
    titleVi: 'Nội dung yêu cầu vượt giới hạn kích thước của phiên bản dịch vụ',
    title:
      'The request body is larger than this service version (or the token endpoint) accepts; nothing was forwarded',
  },
  GW_TOKEN_CLIENT_INVALID: {
    status: 401,
    titleVi: 'Consumer key hoặc secret không đúng, hoặc đã bị thu hồi',
    title: 'Unknown consumer key, wrong secret, or a revoked credential (OAuth error invalid_client)',
  },
  GW_CLIENT_CERT_REQUIRED: {
    status: 401,
    titleVi: 'Hệ thống này phải kết nối bằng chứng chỉ máy khách (mTLS) đã đăng ký',
    title: 'This system is bound to a client certificate: connect over HTTPS presenting it (mTLS)',
  },
  GW_CLIENT_CERT_MISMATCH: {
    status: 403,
    titleVi: 'Chứng chỉ máy khách không phải chứng chỉ đã gắn với hệ thống',
    title: 'The client certificate presented is not the one bound to this system',
  },
  GW_TOKEN_REQUEST_INVALID: {
    status: 400,
    titleVi: 'Yêu cầu cấp token không hợp lệ',
    title: 'Malformed token request (OAuth error invalid_request)',
  },
  GW_TOKEN_GRANT_UNSUPPORTED: {
    status: 400,
    titleVi: 'Chỉ hỗ trợ grant_type=client_credentials',
    title: 'Only grant_type=client_credentials is supported (OAuth error unsupported_grant_type)',
  },
  GW_TOKEN_THROTTLED: {
    status: 429,
    titleVi: 'Quá nhiều lần xác thực sai: consumer key hoặc địa chỉ đang bị chặn tạm',
    title:
      'Too many failed client authentications for this consumer key or address; retry after Retry-After seconds (OAuth error invalid_client)',
  },
  GW_TOKEN_THROTTLE_UNAVAILABLE: {
    status: 503,
    titleVi: 'Tạm thời không kiểm tra được giới hạn xác thực sai dùng chung; thử lại sau',
    title:
      'The shared brute-force counters cannot be reached and the platform is set to refuse; see Retry-After (OAuth error temporarily_unavailable)',
  },
  GW_TOO_MANY_CONNECTIONS: {
    status: 429,
    titleVi: 'Quá nhiều kết nối đồng thời từ một địa chỉ',
    title:
      'This address holds more connections than gateway.maxConnectionsPerAddress allows; reuse connections, see Retry-After',
  },
  GW_NOT_READY: {
    status: 503,
    titleVi: 'Cổng kết nối chưa sẵn sàng',
    title: 'The gateway has not loaded its configuration yet',
  },
  GW_CATEGORY_NOT_FOUND: {
    status: 404,
    titleVi: 'Không có danh mục dùng chung với mã này',
    title: 'No shared category list is served under this code (see /dmdc/1.0/AllCategory)',
  },
  GW_CATEGORY_QUERY_INVALID: {
    status: 400,
    titleVi: 'Tham số trang của danh mục không hợp lệ',
    title: 'The page parameters are not valid: page ≥ 1, 1 ≤ pageSize ≤ 1000',
  },
  // Admin API (control plane)
  API_UNAUTHORIZED: {
    status: 401,
    titleVi: 'Chưa đăng nhập hoặc phiên đăng nhập không hợp lệ',
    title: 'Missing or invalid bearer token for the admin API',
  },
  API_LOGIN_FAILED: {
    status: 401,
    titleVi: 'Sai tên đăng nhập hoặc mật khẩu',
    title: 'Wrong username or password',
  },
  API_LOGIN_LOCKED: {
    status: 429,
    titleVi: 'Đăng nhập sai quá nhiều lần: tài khoản hoặc địa chỉ đang bị khóa tạm',
    title:
      'Too many failed sign-ins for this username or address: locked for Retry-After seconds (an operator can unlock it)',
  },
  API_CURRENT_PASSWORD_WRONG: {
    status: 400,
    titleVi: 'Mật khẩu hiện tại không đúng',
    title: 'The current password is wrong (counted as a failed sign-in)',
  },
  API_PASSWORD_NOT_LOCAL: {
    status: 409,
    titleVi: 'Tài khoản chỉ đăng nhập qua SSO, không có mật khẩu',
    title: 'The account signs in through SSO only and has no password here',
  },
  API_PASSWORD_CHANGE_REQUIRED: {
    status: 403,
    titleVi: 'Cần đổi mật khẩu trước khi tiếp tục',
    title: 'The password must be changed before anything else',
  },
  API_FORBIDDEN: { status: 403, titleVi: 'Không có quyền', title: 'Your role does not allow this action' },
  API_VALIDATION_FAILED: {
    status: 400,
    titleVi: 'Dữ liệu gửi lên không hợp lệ',
    title: 'The request does not match the schema',
  },
  API_MALFORMED_JSON: {
    status: 400,
    titleVi: 'JSON không đúng cú pháp',
    title: 'The body is not valid JSON',
  },
  API_HEADERS_TOO_LARGE: {
    status: 431,
    titleVi: 'Header của yêu cầu vượt giới hạn kích thước',
    title: 'The request headers are larger than the server accepts; the connection is closed',
  },
  API_REQUEST_TIMEOUT: {
    status: 408,
    titleVi: 'Yêu cầu không đến đủ trong thời gian cho phép',
    title: 'The request did not arrive in time; the connection is closed',
  },
  API_BODY_TOO_LARGE: {
    status: 413,
    titleVi: 'Dữ liệu gửi lên quá lớn',
    title: 'The request body is too large',
  },
  API_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    titleVi: 'Kiểu nội dung không được hỗ trợ',
    title: 'Send the body as application/json',
  },
  API_NOT_FOUND: { status: 404, titleVi: 'Không tìm thấy', title: 'No such route or object' },
  API_INTERNAL: { status: 500, titleVi: 'Lỗi hệ thống', title: 'Internal error; see the server log' },
  API_STORE_UNAVAILABLE: {
    status: 503,
    titleVi: 'Kho dữ liệu tạm thời không truy cập được; hãy thử lại sau số giây trong Retry-After',
    title: 'The store (PostgreSQL) cannot be reached right now; try again after Retry-After seconds',
  },
  CP_ORGANIZATION_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy cơ quan',
    title: 'No such organization',
  },
  CP_ORGANIZATION_CODE_TAKEN: {
    status: 409,
    titleVi: 'Mã định danh cơ quan đã tồn tại',
    title: 'An organization with this official code already exists',
  },
  CP_ORGANIZATION_CODE_INVALID: {
    status: 400,
    titleVi: 'Mã định danh cơ quan không đúng định dạng',
    title: 'The official code must look like 000.00.31.H01',
  },
  CP_SYSTEM_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy hệ thống',
    title: 'No such information system',
  },
  CP_SYSTEM_ROLE_REQUIRED: {
    status: 400,
    titleVi: 'Hệ thống phải là bên cung cấp hoặc bên khai thác',
    title: 'A system must be a provider, a consumer or both',
  },
  CP_CLIENT_CERT_INVALID: {
    status: 400,
    titleVi: 'Chứng chỉ máy khách không hợp lệ (PEM, dấu vân tay SHA-256 hoặc subject)',
    title: 'Invalid client certificate binding: not a PEM certificate, a SHA-256 fingerprint or a subject',
  },
  CP_SYSTEM_NOT_PROVIDER: {
    status: 409,
    titleVi: 'Hệ thống không phải bên cung cấp',
    title: 'The system is not registered as a provider',
  },
  CP_SYSTEM_NOT_CONSUMER: {
    status: 409,
    titleVi: 'Hệ thống không phải bên khai thác',
    title: 'The system is not registered as a consumer',
  },
  CP_SERVICE_NOT_FOUND: { status: 404, titleVi: 'Không tìm thấy dịch vụ', title: 'No such service' },
  CP_SERVICE_CONTEXT_TAKEN: {
    status: 409,
    titleVi: 'Đường dẫn (context) dịch vụ đã được dùng',
    title: 'Another service already uses this context',
  },
  CP_VERSION_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy phiên bản dịch vụ',
    title: 'No such service version',
  },
  CP_VERSION_TAKEN: {
    status: 409,
    titleVi: 'Phiên bản này đã tồn tại',
    title: 'The service already has this version',
  },
  CP_SUBSCRIPTION_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy đăng ký khai thác',
    title: 'No such subscription',
  },
  CP_SUBSCRIPTION_EXISTS: {
    status: 409,
    titleVi: 'Đã có đăng ký khai thác cho phiên bản và môi trường này',
    title: 'The system already has a subscription to this version in this environment',
  },
  CP_CREDENTIAL_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy thông tin kết nối',
    title: 'No such credential',
  },
  CP_CREDENTIAL_REVOKED: {
    status: 409,
    titleVi: 'Thông tin kết nối đã bị thu hồi',
    title: 'The credential is already revoked',
  },
  CP_TIME_WINDOW_INVALID: {
    status: 400,
    titleVi: 'Khung thời gian khai thác không hợp lệ',
    title: 'Time of use must be HH:MM-HH:MM',
  },
  CP_UPSTREAM_URL_INVALID: {
    status: 400,
    titleVi: 'Địa chỉ dịch vụ nguồn không hợp lệ',
    title: 'The upstream URL must be an absolute http(s) URL',
  },
  API_EGRESS_DENIED: {
    status: 400,
    titleVi: 'Chính sách kết nối ra ngoài không cho phép địa chỉ này',
    title: 'The egress policy does not allow this address (the detail names the rule)',
  },
  CP_RESOURCE_TEMPLATE_INVALID: {
    status: 400,
    titleVi: 'Mẫu tài nguyên không hợp lệ',
    title: 'A resource template is a path such as /congdan/{soDinhDanh} or /*',
  },
  CP_USER_EXISTS: {
    status: 409,
    titleVi: 'Tài khoản đã tồn tại',
    title: 'A user with this name already exists',
  },
  API_CONNECT_REFUSED: {
    status: 405,
    titleVi: 'API quản trị không nhận phương thức CONNECT',
    title: 'The admin API does not serve CONNECT; the connection is closed',
  },
  API_BAD_REQUEST: {
    status: 400,
    titleVi: 'Yêu cầu không hợp lệ',
    title: 'The request is malformed (URL, headers or body length)',
  },
  GW_VERSION_SUNSET: {
    status: 410,
    titleVi: 'Phiên bản dịch vụ đã hết hạn sử dụng',
    title: 'This service version has passed its sunset date; use its successor (see Link and `successor`)',
  },
  GW_SERVICE_DECOMMISSIONED: {
    status: 410,
    titleVi: 'Dịch vụ đã ngừng cung cấp',
    title: 'The service has been decommissioned (announced at least 60 days ahead)',
  },
  GW_MAINTENANCE: {
    status: 503,
    titleVi: 'Dịch vụ đang bảo trì theo thông báo',
    title: 'The service is in an announced maintenance window; see Retry-After',
  },
  GW_CREDENTIAL_EXPIRED: {
    status: 401,
    titleVi: 'Thông tin kết nối đã hết hiệu lực sau khi được thay mới',
    title: 'The credential was rotated and its overlap has ended; use the new one',
  },
  GW_INTERNAL: {
    status: 500,
    titleVi: 'Lỗi hệ thống tại cổng kết nối; lời gọi đã được ghi nhật ký với mã giao dịch',
    title:
      'The gateway failed unexpectedly; the call is recorded under its transaction id (see the server log)',
  },
  // Client conventions of other provincial LGSPs (issue 12 item 8, docs/moving-from-another-lgsp.md)
  GW_TOKEN_REVOKED: {
    status: 401,
    titleVi: 'Access token đã bị thu hồi',
    title: 'The access token was revoked (RFC 7009); request a new one at POST /token',
  },
  GW_LGSP_ACCESS_TOKEN_INVALID: {
    status: 401,
    titleVi: 'Header lgspaccesstoken không đọc được hoặc AccessKey/SecretKey không đúng',
    title: 'The lgspaccesstoken header cannot be read, or its AccessKey/SecretKey is wrong',
  },
  GW_LGSP_ACCESS_TOKEN_ORG_MISMATCH: {
    status: 403,
    titleVi: 'PartnerCodeCus trong lgspaccesstoken không phải mã cơ quan của hệ thống gọi',
    title: "PartnerCodeCus in lgspaccesstoken is not the calling system's organization code",
  },
  GW_LGSP_ACCESS_TOKEN_PROVIDER_MISMATCH: {
    status: 403,
    titleVi: 'PartnerCode trong lgspaccesstoken không phải mã cơ quan cung cấp dịch vụ được gọi',
    title: "PartnerCode in lgspaccesstoken is not the called service's provider organization code",
  },
  GW_CLIENT_CODE_INVALID: {
    status: 400,
    titleVi: 'SENDER_CODE, RECEIVER_CODE hoặc TRAN_CODE quá dài (tối đa 128 ký tự) hoặc có ký tự điều khiển',
    title: 'SENDER_CODE, RECEIVER_CODE or TRAN_CODE is longer than 128 characters or has control characters',
  },
  GW_MOCK_UNAVAILABLE: {
    status: 501,
    titleVi: 'Phiên bản chưa có địa chỉ sandbox và tài liệu OpenAPI không có ví dụ để trả lời lời gọi này',
    title:
      'The version has no sandbox upstream, and its OpenAPI document gives no example to answer this call with (sandbox mock)',
  },
  GW_MOCK_PREFER_UNMATCHED: {
    status: 400,
    titleVi: 'Tài liệu OpenAPI không có mã trạng thái hoặc ví dụ được yêu cầu trong Prefer',
    title:
      'The OpenAPI document defines no response or example matching the Prefer header (code=…, example=…)',
  },
  CP_SUNSET_TOO_EARLY: {
    status: 400,
    titleVi: 'Phiên bản cũ phải được duy trì ít nhất 180 ngày',
    title: 'The previous version must keep running at least 180 days after the new one is published (R-18)',
  },
  CP_DECOMMISSION_TOO_EARLY: {
    status: 400,
    titleVi: 'Phải thông báo ngừng dịch vụ trước ít nhất 60 ngày',
    title: 'A decommission must be announced at least 60 days ahead (R-21)',
  },
  CP_SERVICE_DECOMMISSIONED: {
    status: 409,
    titleVi: 'Dịch vụ đã ngừng cung cấp',
    title:
      'The service has ended (decommissioned): it is not announced again and takes no new version (R-21)',
  },
  CP_MAINTENANCE_NOT_AHEAD: {
    status: 400,
    titleVi: 'Lịch bảo trì phải được thông báo trước',
    title: 'A maintenance window must start in the future and end after it starts (R-24)',
  },
  CP_MAINTENANCE_NOTICE_TOO_SHORT: {
    status: 400,
    titleVi: 'Lịch bảo trì phải được thông báo trước đủ số giờ tối thiểu',
    title:
      'A maintenance window must be announced at least lifecycle.maintenanceMinNoticeHours ahead (R-24); the detail says the earliest start',
  },
  CP_MAINTENANCE_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy lịch bảo trì',
    title: 'No maintenance window has this id (a notice of another kind is not one)',
  },
  CP_MAINTENANCE_ENDED: {
    status: 409,
    titleVi: 'Khung bảo trì đã kết thúc, không huỷ được',
    title: 'The maintenance window has already ended: there is nothing left to cancel',
  },
  CP_MAINTENANCE_CANCELLED: {
    status: 409,
    titleVi: 'Lịch bảo trì đã được huỷ trước đó',
    title: 'The maintenance window has already been cancelled',
  },
  CP_DECOMMISSION_NOT_SCHEDULED: {
    status: 409,
    titleVi: 'Dịch vụ không có lịch ngừng cung cấp nào để huỷ',
    title: 'The service has no scheduled decommission to cancel',
  },
  CP_DECOMMISSION_CANCELLED: {
    status: 409,
    titleVi: 'Lịch ngừng cung cấp dịch vụ đã được huỷ trước đó',
    title: "The service's scheduled decommission has already been cancelled",
  },
  CP_VERSION_STATE: {
    status: 409,
    titleVi: 'Không thể chuyển trạng thái phiên bản như vậy',
    title: 'This version cannot make that status change from its current status',
  },
  CP_CREDENTIAL_ROTATED: {
    status: 409,
    titleVi: 'Thông tin kết nối này đã được thay mới',
    title: 'This credential has already been rotated; rotate its replacement instead',
  },
  CP_NOTICE_NOT_FOUND: { status: 404, titleVi: 'Không tìm thấy thông báo', title: 'No such notice' },
  CP_REQUEST_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy đề nghị',
    title: 'No such request',
  },
  CP_REQUEST_STATE: {
    status: 409,
    titleVi: 'Trạng thái của đề nghị không cho phép thao tác này (ví dụ: đề nghị đã được xử lý)',
    title: 'The request is not in a state that allows this step (e.g. it was already decided)',
  },
  CP_SANDBOX_TEST_REQUIRED: {
    status: 409,
    titleVi:
      'Chưa có lời gọi thử nghiệm thành công ở môi trường sandbox: dùng "Gọi thử" (lgsp version try) với phiên bản đang thử nghiệm sandbox, rồi công bố',
    title:
      'Publish needs the version in sandbox test and a successful sandbox call recorded through the gateway (R-11): use "Try it" (lgsp version try), then publish',
  },
  CP_DESCRIPTION_INCOMPLETE: {
    status: 400,
    titleVi: 'Thiếu nội dung mô tả kỹ thuật của dịch vụ',
    title: 'Submitting needs every R-11 item of the technical description and an OpenAPI or WSDL document',
  },
  CP_SANDBOX_CALL_REQUIRED: {
    status: 409,
    titleVi:
      'Hệ thống khai thác chưa có lời gọi thành công ở môi trường sandbox tới phiên bản dịch vụ này: gọi theo "Cách gọi" của đề nghị (lgsp subreq guide) bằng khoá sandbox của hệ thống, rồi đề nghị lại (lời gọi vừa thực hiện được ghi nhận sau vài giây)',
    title:
      'Production needs a successful sandbox call by this consumer system to this service version, recorded by the gateway (R-12): call it as the request\'s "How to call" shows (lgsp subreq guide) with the system\'s sandbox key, then ask again (a call just made is recorded within seconds)',
  },
  CP_VERSION_NOT_PUBLISHED: {
    status: 409,
    titleVi: 'Phiên bản dịch vụ chưa được công bố hoặc đã ngừng',
    title: 'Consumers register for published service versions only',
  },
  CP_VERSION_CHANGE_REVIEW_REQUIRED: {
    status: 409,
    titleVi:
      'Thay đổi địa chỉ dịch vụ nguồn hoặc tài nguyên của phiên bản đã công bố phải qua xét duyệt: hãy gửi đề nghị thay đổi',
    title:
      'Changing the upstreams or resources of a published version goes through review: propose a version change (R-11, R-19)',
  },
  CP_VERSION_CHANGE_OPEN: {
    status: 409,
    titleVi: 'Phiên bản này đang có một đề nghị thay đổi chưa xử lý xong',
    title: 'This version already has a change request under review: withdraw it or wait for its decision',
  },
  CP_VERSION_CHANGE_TEST_REQUIRED: {
    status: 409,
    titleVi: 'Chưa có lời gọi thử nghiệm sandbox thành công tới cấu hình đề nghị',
    title:
      'Applying a version change needs a successful sandbox call to the proposed configuration, recorded by the gateway after its sandbox test opened',
  },
  // Messaging (async store-and-forward)
  MQ_CLAIM_LOST: {
    status: 409,
    titleVi: 'Lượt nhận thông điệp đã mất hiệu lực',
    title: 'The delivery claim on this message lapsed or was taken over: it was not acknowledged',
  },
  MQ_ASYNC_UNAVAILABLE: {
    status: 503,
    titleVi: 'Nút cổng này không nhận thông điệp bất đồng bộ',
    title:
      'This gateway node has no message queue (a gateway worker on the embedded store): send to a node that has one',
  },
  MQ_METHOD_NOT_ALLOWED: {
    status: 405,
    titleVi: 'Dịch vụ bất đồng bộ chỉ nhận thông điệp gửi bằng POST',
    title: 'An asynchronous service takes messages by POST only',
  },
  MQ_MESSAGE_TOO_LARGE: {
    status: 413,
    titleVi: 'Thông điệp vượt quá dung lượng cho phép',
    title: 'The message is larger than the platform accepts (messaging.maxMessageBytes); nothing was stored',
  },
  MQ_IDEMPOTENCY_KEY_INVALID: {
    status: 400,
    titleVi: 'Idempotency-Key không hợp lệ',
    title: 'Idempotency-Key must be 1–200 visible ASCII characters',
  },
  MQ_IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    titleVi: 'Idempotency-Key này đã dùng cho một thông điệp khác',
    title:
      'This Idempotency-Key was already used by this system for a different message (another service, environment, resource or payload); nothing was stored',
  },
  MQ_CONTENT_ENCODING_UNSUPPORTED: {
    status: 415,
    titleVi: 'Thông điệp bất đồng bộ không nhận nội dung đã nén (Content-Encoding)',
    title:
      'An asynchronous message is stored and delivered as sent with its Content-Type only: send it without a Content-Encoding (or identity); nothing was stored',
  },
  MQ_MESSAGE_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy thông điệp',
    title: 'No message with this id was sent by or to the calling system',
  },
  MQ_QUEUE_UNAVAILABLE: {
    status: 503,
    titleVi: 'Hàng đợi thông điệp tạm thời không lưu được; hãy gửi lại với cùng Idempotency-Key',
    title: 'The message store could not take the message right now; send again with the same Idempotency-Key',
  },
  MQ_UPLOAD_FAILED: {
    status: 400,
    titleVi:
      'Nội dung thông điệp gửi không trọn vẹn (kết nối bị ngắt hoặc độ dài sai); nền tảng không lưu gì',
    title:
      'The message body did not arrive whole (the connection broke or the length was wrong); nothing was stored',
  },
  CP_SANDBOX_TRY_UNAVAILABLE: {
    status: 409,
    titleVi: 'Phiên bản này chưa gọi thử được ở môi trường sandbox',
    title: 'The version cannot be tried in the sandbox: it is not in sandbox test, published or deprecated',
  },
  CP_PLATFORM_TEST_CLIENT_SANDBOX_ONLY: {
    status: 409,
    titleVi: 'Máy khách gọi thử của nền tảng chỉ dùng ở môi trường sandbox',
    title:
      'The platform’s own try-it client is sandbox-only: it gets no production credential or subscription',
  },
  CP_SANDBOX_TRY_FAILED: {
    status: 503,
    titleVi: 'Không gọi thử được qua cổng kết nối hoặc chưa ghi được bản ghi giao dịch',
    title:
      'The try call could not go through the gateway, or its transaction record was not written in time; try again',
  },
  CP_CATEGORY_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy danh mục dùng chung, phiên bản hoặc mã ánh xạ',
    title: 'No category list, list version or code mapping with this code',
  },
  CP_CATEGORY_CODE_TAKEN: {
    status: 409,
    titleVi: 'Mã danh mục đã được dùng',
    title: 'A category list with this code already exists',
  },
  CP_CATEGORY_FILE_INVALID: {
    status: 400,
    titleVi: 'Tệp danh mục không hợp lệ',
    title:
      'The category file is malformed; `problems` names each row and column (up to 20); nothing was imported',
  },
  CP_CATEGORY_FILE_TOO_LARGE: {
    status: 413,
    titleVi: 'Tệp danh mục quá lớn',
    title: 'The category file is larger than 5 MiB, or has more than 50,000 rows or 50 columns',
  },
  // Reports (reconciliation, statistics)
  RP_RECONCILIATION_FILE_INVALID: {
    status: 400,
    titleVi: 'Tệp đối soát không hợp lệ',
    title: 'The reconciliation file is malformed; `lines` names the lines (up to 20); nothing was matched',
  },
  RP_RECONCILIATION_FILE_TOO_LARGE: {
    status: 413,
    titleVi: 'Tệp đối soát quá lớn',
    title:
      'The reconciliation file has more than 1,000,000 lines or 64 MiB, or its reconciliation needs more than 3 GiB of memory or 180 s; split the period',
  },
  RP_RECONCILIATION_BUSY: {
    status: 429,
    titleVi: 'Đang có quá nhiều phiên đối soát',
    title: 'Two reconciliations are already running on this node; try again after Retry-After',
  },
  RP_RECONCILIATION_PERIOD_INVALID: {
    status: 400,
    titleVi: 'Kỳ đối soát không hợp lệ',
    title: 'The reconciliation period or tolerance is not valid, or holds too many records; split the period',
  },
  RP_STATISTICS_INVALID: {
    status: 400,
    titleVi: 'Yêu cầu thống kê không hợp lệ',
    title: 'The statistics period, grouping or offset is not valid, or gives more than 50,000 groups',
  },
  RP_DASHBOARD_INVALID: {
    status: 400,
    titleVi: 'Khoảng thời gian của bảng điều khiển không hợp lệ',
    title: 'The dashboard period or bucket is not valid: from < to, at most 366 days, at most 1,500 buckets',
  },
  // Monitoring and alerts
  TM_ALERT_NOT_FOUND: { status: 404, titleVi: 'Không tìm thấy cảnh báo', title: 'No alert with this id' },
  TM_TRANSACTION_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy giao dịch',
    title: 'No transaction record with this id that you may see',
  },
  TM_ALERT_RESOLVED: {
    status: 409,
    titleVi: 'Cảnh báo đã được xử lý',
    title: 'The alert is already resolved',
  },
  // Console sessions (issue 11 item 5)
  API_CSRF_INVALID: {
    status: 403,
    titleVi: 'Thiếu hoặc sai mã chống giả mạo yêu cầu (x-csrf-token), hoặc yêu cầu đến từ trang khác',
    title:
      'A cookie-session call that changes something needs the session’s x-csrf-token header and must come from the console’s own origin',
  },
  // Composite services (issue 12 item 5, R-17, docs/aggregation.md)
  CP_COMPOSITE_INVALID: {
    status: 400,
    titleVi: 'Định nghĩa dịch vụ tổng hợp không hợp lệ',
    title: 'The composite definition is not valid; `detail` and `errors` name each problem',
  },
  GW_COMPOSITE_INCOMPLETE: {
    status: 502,
    titleVi:
      'Dịch vụ tổng hợp không lấy được dữ liệu bắt buộc: một dịch vụ nguồn bắt buộc hoặc mọi dịch vụ nguồn đều lỗi',
    title: 'A required backend of the composite, or every backend, failed; `backends` says which and why',
  },
  GW_COMPOSITE_TOO_LARGE: {
    status: 502,
    titleVi: 'Câu trả lời tổng hợp vượt quá dung lượng cho phép',
    title: 'The composite’s backend answers exceed gateway.compositeMaxResponseBytes; nothing was returned',
  },
  // JSON field mapping and SOAP exposed as REST (issue 12 item 6, R-26, docs/gateway.md, docs/soap-rest.md)
  CP_FIELD_MAPPING_INVALID: {
    status: 400,
    titleVi: 'Ánh xạ trường JSON không hợp lệ',
    title: 'The JSON field mapping is not valid; `detail` and `errors` name each problem',
  },
  CP_SOAP_REST_INVALID: {
    status: 400,
    titleVi:
      'Không chuyển được dịch vụ SOAP thành REST: cấu hình hoặc tài liệu WSDL dùng cấu trúc không hỗ trợ (docs/soap-rest.md)',
    title:
      'The SOAP-as-REST settings or the WSDL cannot be converted; `errors` names each unsupported construct and where it is',
  },
  GW_REQUEST_NOT_JSON: {
    status: 400,
    titleVi: 'Nội dung yêu cầu phải là một đối tượng JSON hợp lệ (Content-Type: application/json)',
    title:
      'This resource takes a JSON object body (application/json): the body is missing, not JSON, or malformed',
  },
  GW_SOAP_FAULT: {
    status: 502,
    titleVi: 'Dịch vụ SOAP nguồn trả lời bằng lỗi SOAP (SOAP Fault)',
    title: 'The SOAP provider answered with a SOAP fault; `detail` and `faultString` carry its fault string',
  },
  GW_SOAP_WSDL_UNUSABLE: {
    status: 502,
    titleVi:
      'Cổng kết nối không dùng được tài liệu WSDL của dịch vụ SOAP này (không dựng được thành lời gọi); người vận hành xem lý do trong nhật ký',
    title:
      'The gateway cannot use this SOAP service’s WSDL (it no longer compiles into calls); the reason is in the server log for the operator',
  },
  GW_UPSTREAM_ANSWER_INVALID: {
    status: 502,
    titleVi:
      'Câu trả lời của dịch vụ nguồn không chuyển đổi được (không phải phong bì SOAP hợp lệ, hoặc quá lớn)',
    title:
      'The provider’s answer could not be converted: not a valid SOAP envelope, or larger than gateway.compositeMaxResponseBytes',
  },
  // Federation (issue 12, src/federation/, docs/federation.md)
  GW_FED_REPRESENTED_PARTY_REFUSED: {
    status: 403,
    titleVi: 'Chỉ nền tảng ngang hàng (LGSP, NDXP) mới được nêu bên được đại diện',
    title:
      'Represented-party headers (X-LGSP-Represented-*) are accepted from peer platforms only, never from an agency system',
  },
  GW_FED_REPRESENTED_PARTY_MISSING: {
    status: 400,
    titleVi: 'Lời gọi của nền tảng ngang hàng thiếu bên được đại diện hoặc mã giao dịch đầu-cuối',
    title:
      'A peer platform’s call must name the represented organization (X-LGSP-Represented-Organization) and the end-to-end transaction id (X-LGSP-End-To-End-Id)',
  },
  GW_FED_REPRESENTED_NOT_ALLOWED: {
    status: 403,
    titleVi: 'Đăng ký khai thác của nền tảng này không bao gồm cơ quan được đại diện',
    title: 'The peer’s subscription is limited to other represented organizations',
  },
  GW_FED_SIGNATURE_MISSING: {
    status: 401,
    titleVi: 'Thiếu chữ ký của một chặng (RFC 9421)',
    title:
      'A hop’s HTTP message signature is missing: every federated call carries one signature per platform, the calling peer’s last',
  },
  GW_FED_SIGNATURE_INVALID: {
    status: 401,
    titleVi: 'Chữ ký của một chặng không hợp lệ hoặc đã được dùng (RFC 9421)',
    title:
      'A hop’s HTTP message signature does not verify or was already used: altered, forged, expired, replayed, or by a platform that is not our peer',
  },
  GW_FED_REPLAY_CHECK_UNAVAILABLE: {
    status: 503,
    titleVi: 'Tạm thời không kiểm tra được chữ ký đã dùng (chống phát lại); thử lại sau',
    title:
      'Whether the hop signatures were already used cannot be checked now (Redis unreachable with redis.onUnavailable closed, or the gateway worker’s primary did not answer); see Retry-After',
  },
  GW_FED_CONTENT_DIGEST_MISMATCH: {
    status: 400,
    titleVi: 'Content-Digest không khớp nội dung yêu cầu',
    title: 'The Content-Digest (RFC 9530, sha-256) is missing or does not match the request body',
  },
  GW_FED_PEER_UNAVAILABLE: {
    status: 502,
    titleVi: 'Không lấy được token của nền tảng ngang hàng',
    title: 'The peer platform did not give us an access token: its /token failed or could not be reached',
  },
  CP_PEER_CODE_TAKEN: {
    status: 409,
    titleVi: 'Mã nền tảng ngang hàng hoặc mã cơ quan đã được dùng',
    title: 'A peer or an organization already has this code',
  },
  CP_PEER_NOT_FOUND: {
    status: 404,
    titleVi: 'Không tìm thấy nền tảng ngang hàng',
    title: 'No peer platform with this id',
  },
  CP_PEER_CATALOGUE_UNAVAILABLE: {
    status: 502,
    titleVi: 'Không đọc được danh mục công khai của nền tảng ngang hàng',
    title:
      'The peer’s public catalogue could not be read (no catalogueUrl, unreachable, or not an OpenLGSP catalogue)',
  },
  CP_CATEGORY_SYNC_FAILED: {
    status: 502,
    titleVi: 'Không đồng bộ được danh mục từ nền tảng ngang hàng',
    title:
      'The peer’s category lists could not be read (no token, unreachable, refused, or not in the DMDC shape); nothing was written',
  },
  CP_PEER_GRANT_INVALID: {
    status: 409,
    titleVi: 'Đăng ký khai thác này không thuộc hệ thống của nền tảng ngang hàng',
    title: 'The subscription is not one of this peer’s platform system',
  },
} as const satisfies Record<string, ErrorSpec>;

export type ErrorCode = keyof typeof ERRORS;

/** An error the platform answers with on purpose; mapped to problem+json in one place per server. */
export class LgspError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly detail: string | undefined;
  /** Extra problem members, e.g. `errors` for validation or `retryAfterSeconds`. */
  readonly extra: Record<string, unknown>;

  constructor(code: ErrorCode, detail?: string, extra: Record<string, unknown> = {}) {
    super(detail ? `${code}: ${detail}` : code);
    this.name = 'LgspError';
    this.code = code;
    this.status = ERRORS[code].status;
    this.detail = detail;
    this.extra = extra;
  }
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: ErrorCode;
  detail?: string;
  instance?: string;
  transactionId?: string;
  [member: string]: unknown;
}

/**
 * Where each code's human page is served: the admin port's portal, `/portal/errors/<CODE>` (the whole list at
 * `/portal/errors`; src/api/error-pages.ts renders them on the server). A problem's `type` is that page, so a
 * developer who follows it reads what the code means (RFC 9457 §3.1.1: the type should resolve to documentation).
 */
export const ERROR_PAGES_PATH = '/portal/errors';

/**
 * The start of every problem's `type`. Module state, set once by the platform's startup (`setProblemTypeOrigin`):
 * `toProblem` is called in many places (the gateway's exchange, the HTTP parser's refusals, the admin API's
 * handlers) that have no config, and a problem is only built on an error, so the gateway's hot path is unchanged.
 * Until startup sets it (a test harness without listeners), `type` is the relative reference `/portal/errors/<CODE>`,
 * which RFC 9457 resolves against the request's own address — right on the admin port, where the pages are.
 */
let problemTypeBase = ERROR_PAGES_PATH;

/**
 * Sets the origin (and optional path prefix) the error pages are reached at: `admin.publicUrl` when configured —
 * on every node, gateway-only ones included, so their problems name the portal agencies can reach — else the admin
 * listener's own address. '' goes back to the relative reference. One process, one platform: the last call wins.
 */
export function setProblemTypeOrigin(origin: string): void {
  problemTypeBase = `${origin.replace(/\/+$/, '')}${ERROR_PAGES_PATH}`;
}

/** The origin `setProblemTypeOrigin` was given ('' when none), to hand to a gateway worker process. */
export function problemTypeOrigin(): string {
  return problemTypeBase.slice(0, -ERROR_PAGES_PATH.length);
}

/** The URI of a code's page: a problem's `type`. */
export function problemType(code: ErrorCode): string {
  return `${problemTypeBase}/${code}`;
}

/** RFC 9457 problem details; `title` is Vietnamese then English so both readers find their language. */
export function toProblem(code: ErrorCode, detail?: string, extra: Record<string, unknown> = {}): Problem {
  const spec: ErrorSpec = ERRORS[code];
  return {
    type: problemType(code),
    title: `${spec.titleVi} / ${spec.title}`,
    status: spec.status,
    code,
    ...(detail ? { detail } : {}),
    ...extra,
  };
}
