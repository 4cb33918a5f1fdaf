import type { OperationId } from './operations.ts';

/** How the OpenAPI document shows an operation, and the problems (RFC 9457) it can answer. */
export interface OperationDoc {
  /** "Tiếng Việt / English". */
  summary: string;
  description?: string;
  /** `[]` for an operation readable without login: it answers none of the signed-in problems. */
  security?: [];
  /**
   * The problems it answers besides the standard ones: those of any signed-in call (400, 401, 403, 500, and
   * 413, 415 when it takes a body), none for an operation readable without login.
   */
  problems?: number[];
  /** The standard problems, for an operation they do not fit (sign-out reads no input and any role may). */
  standardProblems?: number[];
}

/**
 * The words of every operation, by operationId (the sibling of the operations table and its schemas): the
 * OpenAPI document takes its summaries, descriptions and problem responses from here, so a route file holds
 * only behaviour: who may call, and what it does.
 */
export const OPERATION_DOCS: { [Id in OperationId]: OperationDoc } = {
  // Meta: health, the API's own description, the token signing keys.
  getHealth: { summary: 'Tình trạng nút / Node health', security: [], problems: [500] },
  getReadiness: {
    summary:
      'Nút sẵn sàng nhận lưu lượng / Node ready for traffic (503: chưa / not yet, or its store is unreachable)',
    security: [],
    problems: [500],
  },
  getOpenApiDocument: {
    summary: 'Tài liệu OpenAPI 3.1 của API quản trị / OpenAPI 3.1 document of this API',
    security: [],
    problems: [500],
  },
  getJwks: {
    summary: 'Khoá công khai ký token (JWKS) / Public token signing keys (JWKS)',
    description:
      'Để LGSP khác và NDXP kiểm tra token do cổng này cấp (R-15). / Lets peers verify our gateway tokens.',
    security: [],
    problems: [500],
  },

  rotateSigningKey: {
    summary: 'Đổi khoá ký token (lgsp keys rotate) / Rotate the token signing key',
    description:
      'Chỉ người vận hành. Khoá mới ký mọi token từ nay; khoá cũ vẫn trong JWKS, xác minh token đã cấp đến khi token cuối cùng hết hạn (thời điểm đổi + gateway.tokenTtlSeconds), rồi bị xoá. / ' +
      'Operator only. The new key signs every token from now on; the old one stays in JWKS, verifying the tokens it signed, until the last of them expires (rotation time + gateway.tokenTtlSeconds), then it is deleted.',
  },

  getBackupStatus: {
    summary: 'Tình trạng sao lưu tự động / Scheduled backup status',
    description:
      'Người vận hành và kiểm toán viên. Cấu hình backup.schedule/keep/dir và các bản sao lưu tự động đã kiểm tra ' +
      'trong thư mục (mới nhất, số bản, lần tới đến hạn); bản lgsp backup chạy tay không nằm ở đây. / ' +
      'Operator staff and auditors. The backup.schedule/keep/dir setting and the verified scheduled backups in the ' +
      'folder (newest, count, next due); a hand-run lgsp backup is not listed.',
  },

  // Sign-in and the current session.
  login: {
    summary: 'Đăng nhập / Sign in',
    description:
      'Trả về bearer token cho các lời gọi khác. Sau nhiều lần sai, tên đăng nhập hoặc địa chỉ bị chặn tạm với ' +
      'thời gian tăng gấp đôi tới mức khóa (429 API_LOGIN_LOCKED, Retry-After) — kể cả mật khẩu đúng — cho tới ' +
      'khi hết hạn hoặc quản trị viên mở khóa. / Returns the bearer token for other calls. After repeated ' +
      'failures the username or address is blocked for doubling times up to a lockout (429 API_LOGIN_LOCKED, ' +
      'Retry-After) — the right password too — until it ends or an operator unlocks it.',
    security: [],
    problems: [400, 401, 413, 415, 429, 500],
  },
  logout: {
    summary: 'Đăng xuất / Sign out',
    description: 'Kết thúc phiên của token này. / Ends the session of this token.',
    standardProblems: [401, 500],
  },
  getCurrentUser: { summary: 'Người dùng hiện tại / Current user' },
  changeOwnPassword: {
    summary: 'Đổi mật khẩu của mình / Change your own password',
    description:
      'Cần mật khẩu hiện tại; nhập sai được đếm như một lần đăng nhập sai (400 API_CURRENT_PASSWORD_WRONG, rồi 429 ' +
      'API_LOGIN_LOCKED). Mật khẩu mới ≥ 10 ký tự. Mọi phiên khác của người dùng kết thúc, phiên này giữ nguyên; ' +
      'ghi nhật ký (không bao giờ có mật khẩu). Tài khoản chỉ đăng nhập SSO: 409 API_PASSWORD_NOT_LOCAL. Mật ' +
      'khẩu do quản trị viên đặt lại: đây là lời gọi duy nhất (cùng GET /api/v1/me, phiên và đăng xuất) được phục ' +
      'vụ cho tới khi đổi (403 API_PASSWORD_CHANGE_REQUIRED). / Needs ' +
      'the current password; a wrong one counts as a failed sign-in (400 API_CURRENT_PASSWORD_WRONG, then 429 ' +
      'API_LOGIN_LOCKED). The new one has ≥ 10 characters. Every other session of the user ends, this one stays; ' +
      'audited (never the password). An SSO-only account: 409 API_PASSWORD_NOT_LOCAL. A password an operator ' +
      'reset: this is the one call (with GET /api/v1/me, the session and sign-out) served until it is changed ' +
      '(403 API_PASSWORD_CHANGE_REQUIRED).',
    problems: [409, 429],
  },
  listOwnSignIns: {
    summary: 'Lịch sử đăng nhập của tôi / My sign-in history',
    description:
      'Mọi vai trò: các lần đăng nhập vào tài khoản của chính mình, kể cả lần sai và lần bị khóa, mới nhất trước, ' +
      'với thời điểm, cách đăng nhập, kết quả, địa chỉ và trình duyệt. Trang sau bằng cursor = nextCursor. / Any ' +
      'role: the attempts to sign in to one’s own account, failed and locked ones too, newest first, with time, ' +
      'method, outcome, address and browser. Page on with nextCursor.',
  },
  createConsoleSession: {
    summary: 'Đăng nhập bảng điều khiển (cookie) / Sign in to the web console (cookie)',
    description:
      'Như POST /api/v1/auth/login (cùng kiểm tra, cùng giới hạn dò mật khẩu) nhưng phiên nằm trong cookie ' +
      'lgsp_session (HttpOnly; SameSite=Strict; Secure khi dùng HTTPS), không bao giờ trong nội dung trả về. Mọi ' +
      'lời gọi POST/PATCH/PUT/DELETE bằng cookie phải gửi x-csrf-token = csrfToken. / Like POST /api/v1/auth/login ' +
      '(same checks and brute-force limits), but the session is in the lgsp_session cookie (HttpOnly; ' +
      'SameSite=Strict; Secure over HTTPS), never in the body. Every cookie call that changes something sends ' +
      'x-csrf-token = csrfToken.',
    security: [],
    problems: [400, 401, 413, 415, 429, 500],
  },
  getConsoleSession: {
    summary: 'Phiên bảng điều khiển hiện tại / The console session of this cookie',
    description:
      'Công khai: trang đăng nhập hỏi trình duyệt đã đăng nhập chưa. Có cookie lgsp_session hợp lệ: { user, ' +
      'csrfToken }; chưa đăng nhập (không có cookie, cookie hết hạn hoặc đã đăng xuất, hay chỉ có bearer token — ' +
      'không phải phiên bảng điều khiển): 200 { user: null, csrfToken: null } và cookie cũ bị xoá. Người chưa đăng ' +
      'nhập không phải lỗi. / Public: the sign-in page asks whether this browser is signed in. A valid lgsp_session ' +
      'cookie: { user, csrfToken }; not signed in (no cookie, an expired or ended one, or only a bearer token — not ' +
      'a console session): 200 { user: null, csrfToken: null } and a stale cookie is cleared. A signed-out visitor ' +
      'is no error.',
    security: [],
    problems: [403, 500],
  },
  deleteConsoleSession: {
    summary: 'Đăng xuất bảng điều khiển / Sign out of the web console',
    description:
      'Kết thúc phiên ở máy chủ và xóa cookie (204). Phiên đăng nhập bằng SSO: 200 kèm endSessionUrl để đăng xuất ' +
      'cả ở nhà cung cấp định danh khi nhà cung cấp hỗ trợ. / Ends the session on the server and clears the cookie ' +
      '(204). An SSO session: 200 with endSessionUrl, to sign out at the identity provider too when it supports it.',
    standardProblems: [401, 403, 500],
  },
  getSignInOptions: {
    summary: 'Các cách đăng nhập / Sign-in options',
    description:
      'Công khai: bảng điều khiển hiện nút "Đăng nhập bằng SSO" khi OIDC được cấu hình. / Public: the console ' +
      'shows the SSO button when OIDC is configured.',
    security: [],
    problems: [500],
  },
  startOidcSignIn: {
    summary: 'Bắt đầu đăng nhập SSO (OIDC) / Start SSO sign-in (OIDC)',
    description:
      'Chuyển trình duyệt tới nhà cung cấp định danh (authorization code + PKCE). Khi SSO chưa cấu hình hoặc nhà ' +
      'cung cấp không trả lời: chuyển về /?signin_error=<mã>. / Redirects the browser to the identity provider ' +
      '(authorization code + PKCE); when SSO is off or the provider does not answer, back to /?signin_error=<code>.',
    security: [],
    problems: [],
  },
  completeOidcSignIn: {
    summary: 'Nhà cung cấp định danh trả về (OIDC callback) / Identity provider callback',
    description:
      'Kiểm tra state, nonce, PKCE và ID token, ánh xạ claim thành vai trò và cơ quan theo oidc.rules, mở phiên ' +
      'bảng điều khiển rồi chuyển về /. Bị từ chối: chuyển về /?signin_error=<mã> (docs/sso.md). / Checks state, ' +
      'nonce, PKCE and the ID token, maps claims to role and organization by oidc.rules, opens the console ' +
      'session and redirects to /; refused: to /?signin_error=<code> (docs/sso.md).',
    security: [],
    problems: [],
  },

  // The portal's public reads.
  listPublicNotices: {
    summary: 'Thông báo công khai: ngừng khuyến nghị, ngừng dịch vụ, bảo trì / Public notices',
    description:
      'Mới nhất trước; tìm theo q (tiêu đề, nội dung), lọc theo kind, serviceId, phân trang bằng limit/offset; ' +
      'total là số thông báo khớp (docs/api-lists.md). / Newest first; search with q (title, body), filter by ' +
      'kind, serviceId, page with limit/offset; total counts the matches.',
    security: [],
    problems: [400, 500],
  },
  listPublicServices: {
    summary: 'Danh mục dịch vụ đã công bố và mô tả kỹ thuật (R-10, R-11) / Published services',
    description:
      'Tìm theo q (tên, context, tên và mã cơ quan cung cấp), phân trang bằng limit/offset; total là số dịch vụ khớp. ' +
      'Mỗi phiên bản nêu trạng thái, ngày ngừng (sunset) và nơi lấy tài liệu API (documentUrl). / ' +
      'Search with q (name, context, provider name and code), page with limit/offset; total counts the matches. ' +
      'Each version gives its state, sunset and where its API document is (documentUrl).',
    security: [],
    problems: [400, 500],
  },
  listPublicContacts: {
    summary: 'Cán bộ đầu mối của các cơ quan (R-09) / Contact points of the organizations',
    description:
      'Theo tên cơ quan; tìm theo q (mã, tên cơ quan, tên cán bộ đầu mối), phân trang bằng limit/offset. / ' +
      'By organization name; search with q (code, name, contact name), page with limit/offset.',
    security: [],
    problems: [400, 500],
  },
  getPublicNotice: {
    summary: 'Một thông báo công khai (nơi các mục của nguồn tin Atom trỏ tới) / One public notice',
    security: [],
    problems: [400, 404, 500],
  },
  getPublicService: {
    summary:
      'Một dịch vụ đã công bố: mô tả R-11, cơ quan cung cấp và đầu mối, các phiên bản / A published service',
    description:
      '404 khi dịch vụ không có phiên bản đã công bố hoặc đã ngừng. / 404 when it has no published version or is decommissioned.',
    security: [],
    problems: [400, 404, 500],
  },
  getPublicVersionDocument: {
    summary:
      'Tài liệu API (OpenAPI JSON hoặc WSDL XML) của phiên bản đã công bố / A published version’s API document',
    description:
      'Chỉ phiên bản đã công bố hoặc ngừng khuyến nghị; bản nháp, đang xét, đã ngừng → 404. OpenAPI YAML được trả dưới dạng JSON. / ' +
      'Published or deprecated versions only; a draft, one under review or retired → 404. OpenAPI written in YAML is answered as JSON.',
    security: [],
    problems: [400, 404, 500],
  },
  listPublicVersionOperations: {
    summary:
      'Các thao tác trong tài liệu API của phiên bản đã công bố / Operations of a published version’s document',
    description:
      'OpenAPI: phương thức, đường dẫn, tóm tắt; WSDL: tên thao tác, thông điệp vào/ra, SOAPAction. / ' +
      'OpenAPI: method, path, summary; WSDL: operation name, input/output message, SOAPAction.',
    security: [],
    problems: [400, 404, 500],
  },
  getPublicNoticesFeed: {
    summary:
      'Thông báo công khai dạng Atom (RFC 4287) cho cổng chuyển đổi số của tỉnh (R-21) / Public notices as an Atom feed',
    security: [],
    problems: [500],
  },
  getBranding: {
    summary:
      'Tên, logo, màu của tỉnh và địa chỉ bảng điều khiển, cổng thông tin, cổng kết nối / Branding and addresses',
    security: [],
    problems: [500],
  },
  getBrandingLogo: {
    summary: 'Logo của tỉnh / The province’s logo',
    security: [],
    problems: [500],
  },

  listOrganizations: { summary: 'Danh sách cơ quan / List organizations' },
  createOrganization: {
    summary: 'Thêm cơ quan / Create an organization',
    description:
      'Mã định danh theo Thông tư 10/2023/TT-BTTTT, ví dụ 000.00.31.H01; cán bộ đầu mối (R-09). / ' +
      'The official code looks like 000.00.31.H01; the contact point is published to other agencies.',
    problems: [404, 409],
  },
  getOrganization: { summary: 'Xem cơ quan / Get an organization', problems: [404] },
  updateOrganization: {
    summary: 'Sửa cơ quan / Update an organization',
    description:
      'Mã định danh không đổi được. Người dùng của cơ quan chỉ sửa tên và cán bộ đầu mối của chính mình. / ' +
      'The official code cannot change. An agency user edits only its own name and contact point.',
    problems: [404],
  },

  listSystems: {
    summary: 'Danh sách hệ thống kết nối / List connected systems',
    description:
      'Người dùng của cơ quan chỉ thấy hệ thống của cơ quan mình. / An agency user sees only its own.',
  },
  createSystem: {
    summary: 'Thêm hệ thống thông tin / Register an information system',
    description:
      'Hệ thống là bên cung cấp, bên khai thác, hoặc cả hai. / A system provides, consumes, or both.',
    problems: [404],
  },
  getSystem: { summary: 'Xem hệ thống / Get a system', problems: [404] },
  updateSystem: {
    summary: 'Sửa, tạm dừng hoặc kích hoạt hệ thống / Update, suspend or activate a system',
    description:
      'status=suspended có hiệu lực ngay trên cổng kết nối. Cơ quan chủ quản chỉ sửa tên và mô tả. / ' +
      'Suspending takes effect on the gateway at once. The owning agency may change only name and description.',
    problems: [404],
  },
  listConnectedSystems: {
    summary: 'Tình trạng kết nối của các hệ thống / Connection state of the systems',
    description:
      'Lần kết nối đầu, cuối, lần gửi và nhận thành công cuối, trạng thái (active, idle, failing, never). ' +
      'Người dùng của cơ quan chỉ thấy hệ thống của cơ quan mình. / First and last connection, last ' +
      'successful send and receive, state. An agency user sees only its own organization’s systems. ' +
      'Phân trang, tìm (q), sắp xếp như GET /systems; total là số hệ thống khớp. / Paged, searched (q) and ' +
      'sorted as GET /systems; total counts the matches.',
  },
  getSystemConnection: {
    summary: 'Lịch sử kết nối của một hệ thống / Connection history of a system',
    description:
      'Như trong danh sách, thêm lưu lượng theo ngày (giờ Việt Nam, UTC+7): số lời gọi, số lỗi khi là bên khai ' +
      'thác và khi là bên cung cấp; từ số liệu tổng hợp theo giờ, các lời gọi sau đó từ bản ghi gốc, nên lời gọi ' +
      'vừa xong đã có trong dòng hôm nay. / As in the list, with daily traffic by Vietnam day (UTC+7): calls and ' +
      'errors as consumer and as provider, from the hourly rollups and, after them, the raw records — a call ' +
      "made a moment ago is in today's row.",
    problems: [404],
  },

  listServices: { summary: 'Danh sách dịch vụ chia sẻ dữ liệu / List data-sharing services' },
  createService: {
    summary: 'Thêm dịch vụ / Create a service',
    description:
      'context là đoạn đầu của đường dẫn trên cổng: /{context}/{version}/… ; mô tả kỹ thuật theo R-11. ' +
      'Người dùng của cơ quan chỉ thêm dịch vụ cho hệ thống cung cấp của cơ quan mình. / ' +
      'The context is the first path segment on the gateway; the description holds the R-11 items. ' +
      "An agency user adds services only to its own organization's provider systems.",
    problems: [404, 409],
  },
  getService: { summary: 'Xem dịch vụ / Get a service', problems: [404] },
  updateService: {
    summary: 'Sửa dịch vụ / Update a service',
    description:
      'context và hệ thống cung cấp không đổi được (bên khai thác đang gọi theo chúng). / ' +
      'The context and provider cannot change: consumers call them.',
    problems: [404],
  },
  decommissionService: {
    summary: 'Báo ngừng cung cấp dịch vụ, trước ≥ 60 ngày (R-21) / Schedule the end of a service',
    problems: [404],
  },
  cancelServiceDecommission: {
    summary: 'Huỷ lịch ngừng cung cấp dịch vụ trước ngày ngừng / Cancel a scheduled decommission',
    description:
      'Dịch vụ tiếp tục hoạt động; thông báo ngừng được đánh dấu đã huỷ và một thông báo huỷ được công bố, gửi ' +
      'tới các bên đã được báo (R-21). Cùng quyền như báo ngừng. / The service carries on; the decommission ' +
      'notice is marked cancelled and a cancellation notice is published and sent to the parties told. Same ' +
      'roles as scheduling it.',
    problems: [404, 409],
  },

  listServiceVersions: { summary: 'Các phiên bản của một dịch vụ / Versions of a service', problems: [404] },
  createVersion: {
    summary: 'Thêm phiên bản dịch vụ / Create a service version',
    description:
      'Mặc định: REST, draft, một tài nguyên "* /*". Thử ở sandbox trước khi công bố (R-11). / ' +
      'Defaults: REST, draft, one resource "* /*". Test in the sandbox before publishing.',
    problems: [404, 409],
  },
  listVersions: { summary: 'Danh sách phiên bản dịch vụ / List service versions' },
  getVersion: { summary: 'Xem phiên bản dịch vụ / Get a service version', problems: [404] },
  updateVersion: {
    summary: 'Sửa, công bố, ngừng hoặc thu hồi phiên bản / Update, publish, deprecate or retire a version',
    description:
      'Cơ quan cung cấp sửa phiên bản của mình; đổi trạng thái chỉ do quản trị viên Sở TT&TT. / ' +
      'The provider agency edits its own versions; only an operator administrator changes the status.',
    problems: [404],
  },
  // The version moves: submitted for review, tested in the sandbox, rejected or published.
  submitVersion: {
    summary: 'Bên cung cấp gửi phiên bản kèm tài liệu kỹ thuật (R-11) / Provider submits a version',
    problems: [404, 409],
  },
  startVersionSandboxTest: {
    summary: 'Mở thử nghiệm sandbox / Open the sandbox test',
    problems: [404, 409],
  },
  rejectVersion: {
    summary: 'Từ chối phiên bản, nêu lý do / Reject a version, with the reason',
    problems: [404, 409],
  },
  publishVersion: {
    summary: 'Công bố lên môi trường chính thức (cần lời gọi sandbox thành công) / Publish to production',
    description:
      'Phiên bản đang công bố trước đó chuyển sang ngừng khuyến nghị, ngừng hẳn sau ≥ 180 ngày (R-18). / ' +
      'The previous published version is deprecated, with a sunset at least 180 days later.',
    problems: [404, 409],
  },
  listVersionConsumers: {
    summary: 'Ai vẫn đang gọi phiên bản này (R-18) / Who still calls this version',
    description:
      'Mỗi dòng: hệ thống khai thác × môi trường, gọi nhiều nhất trước; phân trang bằng limit/offset, total là ' +
      'số dòng. / One row per consumer system and environment, busiest first; paged, total counts the rows.',
    problems: [404],
  },

  listSubscriptions: {
    summary: 'Danh sách đăng ký khai thác / List subscriptions',
    description:
      'Người dùng của cơ quan thấy đăng ký mà cơ quan mình là bên khai thác hoặc bên cung cấp, trừ đăng ký sandbox ' +
      'của máy khách thử nghiệm của nền tảng (chỉ người vận hành thấy). Mỗi đăng ký có ' +
      '`ending` khi phiên bản ngừng (R-18) hoặc dịch vụ có lịch ngừng (R-21): ngày, thông báo công khai, phiên bản ' +
      'để chuyển sang; lịch ngừng đã huỷ thì không còn. `ending=true` chỉ lấy các đăng ký đó, `organizationId` ' +
      'chỉ lấy đăng ký của hệ thống của một cơ quan. / ' +
      'An agency user sees those where its organization is the consumer or the provider, but the platform’s ' +
      'sandbox test client’s (the operator’s only). Each carries `ending` ' +
      'when its version is sunset (R-18) or its service is to end (R-21): the date, the public notice, the version ' +
      'to move to; a cancelled end is gone at once. `ending=true` lists only those, `organizationId` only the ' +
      'subscriptions of one organization’s systems.',
  },
  createSubscription: {
    summary: 'Thêm đăng ký khai thác / Create a subscription',
    description:
      'Tần suất (hạn mức) và thời gian khai thác theo đăng ký (R-12). / Quotas and time of use as registered.',
    problems: [404, 409],
  },
  getSubscription: { summary: 'Xem đăng ký khai thác / Get a subscription', problems: [404] },
  updateSubscription: {
    summary: 'Sửa, tạm dừng, kích hoạt hoặc thu hồi đăng ký / Update, suspend, activate or revoke',
    description:
      'Thay đổi có hiệu lực ngay trên cổng kết nối. null xoá hạn mức / khung giờ. / ' +
      'Changes take effect on the gateway at once; null clears a quota or the time of use.',
    problems: [404],
  },
  cancelSubscription: {
    summary:
      'Bên khai thác ngừng sử dụng; khoá bị thu hồi ngay (R-21) / Consumer stops; keys revoked at once',
    problems: [404],
  },

  listCredentials: {
    summary: 'Danh sách thông tin kết nối / List credentials',
    description:
      'Không bao giờ có secret. Người dùng của cơ quan chỉ thấy của hệ thống cơ quan mình. / ' +
      "Never includes the secret. An agency user sees only its own organization's systems' credentials.",
  },
  issueCredential: {
    summary: 'Cấp consumer key và secret / Issue a consumer key and secret',
    description:
      'consumerSecret chỉ có trong câu trả lời này và không thể xem lại (R-25). / ' +
      'consumerSecret appears in this response only and cannot be shown again.',
    problems: [404, 409],
  },
  getCredential: {
    summary: 'Xem thông tin kết nối (không có secret) / Get a credential (never the secret)',
    problems: [404],
  },
  revokeCredential: {
    summary: 'Thu hồi thông tin kết nối / Revoke a credential',
    description:
      'Có hiệu lực ngay trên mọi nút cổng kết nối (R-19, R-21). / Takes effect on every gateway node at once.',
    problems: [404, 409],
  },
  rotateCredential: {
    summary: 'Thay khoá, cả hai khoá cùng dùng được trong thời gian chuyển tiếp (R-19) / Rotate with overlap',
    problems: [404, 409],
  },

  listTransactions: {
    summary: 'Tra cứu giao dịch / Search transactions',
    description:
      'Mới nhất trước; trang tiếp theo bằng cursor = nextCursor; không có total (đếm cả nhật ký mỗi trang là ' +
      'quét hàng triệu dòng, docs/api-lists.md). Người dùng của cơ quan chỉ thấy giao dịch ' +
      'mà cơ quan mình là bên khai thác hoặc cung cấp. / Newest first; page on with nextCursor; no total ' +
      '(counting the whole log on every page is a scan of millions of rows). An agency ' +
      'user sees only the records where its organization is the consumer or the provider.',
  },
  trySandboxCall: {
    summary: 'Gọi thử phiên bản ở môi trường sandbox / Try a version in the sandbox',
    description:
      'Người vận hành, hoặc cơ quan cung cấp với phiên bản của mình, gọi phiên bản qua cổng kết nối thật ở ' +
      'môi trường sandbox bằng máy khách thử nghiệm của nền tảng (tự tạo một lần, chỉ có quyền sandbox, tự ' +
      'đăng ký phiên bản). Trả về trạng thái, các trường đầu, nội dung (cắt ở 64 KiB) chỉ cho người gọi — ' +
      'không lưu (R-02) — và mã giao dịch. Trả lời khi bản ghi giao dịch đã ghi bền: công bố ngay sau đó được. ' +
      'Xem docs/sandbox.md. / The operator, or the providing agency for its own version, calls the version ' +
      'through the real gateway in the sandbox with the platform’s test client (made once, sandbox-only, ' +
      'subscribed automatically). Answers the status, headers and body (cut at 64 KiB) to the caller only — ' +
      'never stored (R-02) — and the transaction id, once its record is durable: publishing right after works.',
    problems: [404, 409, 503],
  },
  getTransaction: {
    summary: 'Chi tiết một giao dịch / One transaction in detail',
    description:
      'Cả hai chặng: thời điểm nhận yêu cầu, chuyển đến bên cung cấp, nhận trả lời, trả lời bên khai thác; ' +
      'kích thước, SHA-256, trạng thái, tên hệ thống, cơ quan, dịch vụ. Không bao giờ có nội dung (R-02). ' +
      'Người dùng của cơ quan chỉ xem giao dịch mà cơ quan mình là một bên (khác: 404). / Both legs: request ' +
      'in, request out, response in, response out; sizes, SHA-256, statuses, the names of the systems, ' +
      'organizations and service. Never a payload (R-02). An agency user sees only records where its ' +
      'organization is a party (others: 404).',
    problems: [404],
  },
  reconcileTransactions: {
    summary: 'Đối soát giao dịch / Reconcile transactions',
    description:
      'Bên đối soát (một hệ thống hoặc một cơ quan) gửi danh sách giao dịch của mình trong kỳ [from, to) ' +
      '(CSV theo mã giao dịch, hoặc theo thời gian + dịch vụ + trạng thái); kết quả: khớp, bên đối soát ' +
      'thiếu, LGSP không có, lệch trạng thái. Cơ quan chỉ đối soát cho mình. ?format=csv tải các chênh ' +
      'lệch. Xem docs/reconciliation.md. / A party uploads its own list for [from, to) and gets the match: ' +
      'matched, missingOnParty, missingOnPlatform, statusMismatch. An agency only for itself. ?format=csv ' +
      'downloads the differences (text/csv). ' +
      'Tệp gửi theo một trong ba cách: JSON (tệp trong `csv`); `Content-Type: text/csv` (nội dung là tệp, các ' +
      'trường khác trong query); `multipart/form-data` (tệp ở trường `file`, các trường khác là trường form). / ' +
      'The file comes one of three ways: JSON (the file in `csv`); `Content-Type: text/csv` (the body is the ' +
      'file, the other fields in the query string); `multipart/form-data` (the file in the field `file`, the ' +
      'other fields as form fields). Another content type: 415.',
    problems: [404],
  },
  getDashboard: {
    summary: 'Bảng điều khiển / Dashboard',
    description:
      'Lưu lượng và tỷ lệ lỗi theo thời gian (phút, giờ hoặc ngày theo khoảng), dịch vụ và hệ thống khai thác ' +
      'nhiều lượt gọi nhất, cảnh báo đang mở, thông điệp bất đồng bộ đang chờ, các đề nghị chờ xét duyệt với ' +
      'thời gian chờ so với hạn 2 ngày làm việc (Nghị định 194/2025) và cờ quá hạn. Người dùng của cơ quan chỉ ' +
      'thấy số liệu của cơ quan mình. / Traffic and error rate over time (minute, hour or day steps by the ' +
      'period), top services and consumer systems, open alerts, the async backlog, and the requests waiting for ' +
      'review with their age against the 2-working-day deadline (Decree 194/2025) and an overdue flag. An agency ' +
      'user sees its own organization’s figures only.',
  },
  getStatistics: {
    summary: 'Thống kê, báo cáo giao dịch / Transaction statistics and reports',
    description:
      'Số lượt gọi, lượt bị từ chối (chưa tới bên cung cấp), lỗi, tỉ lệ thành công, dung lượng, độ trễ (trung bình, p50/p95/p99) trong kỳ [from, to), ' +
      'nhóm theo groupBy; từ số liệu tổng hợp theo giờ (coveredUntil), phần sau đó từ bản ghi gốc. Người ' +
      'dùng của cơ quan chỉ thấy giao dịch mà cơ quan mình là bên khai thác hoặc cung cấp. ?format=csv|xlsx ' +
      'tải tệp. Xem docs/reports.md. / Calls, refused calls (provider not reached), errors, success rate, bytes, latency (avg, p50/p95/p99) over ' +
      '[from, to), grouped by groupBy, from the hourly rollups (raw records after coveredUntil). An agency ' +
      'user sees only calls where its organization is the consumer or the provider. ?format=csv|xlsx ' +
      'downloads a file.',
  },

  listAuditEvents: {
    summary: 'Nhật ký thay đổi cấu hình / Audit events',
    description:
      'Mới nhất trước; trang tiếp theo bằng cursor = nextCursor, không có total (docs/api-lists.md). / ' +
      'Newest first; page on with nextCursor, no total.',
  },
  verifyAuditChain: {
    summary: 'Kiểm tra chuỗi băm của nhật ký / Verify the audit hash chain',
    description:
      'Tính lại mã băm của mọi sự kiện theo thứ tự; báo chỗ hỏng đầu tiên (sửa, xoá, chèn). / ' +
      'Recomputes every event hash in order; reports the first break (changed, deleted or inserted events).',
  },

  announceMaintenance: {
    summary: 'Thông báo lịch bảo trì (R-24); trong khung giờ dịch vụ trả 503 / Announce maintenance',
    problems: [404],
  },
  cancelMaintenance: {
    summary: 'Huỷ lịch bảo trì chưa kết thúc / Cancel a maintenance window that has not ended',
    description:
      'Cổng kết nối phục vụ lại ngay trong khung giờ đã báo; thông báo bảo trì được đánh dấu đã huỷ và một ' +
      'thông báo huỷ được công bố, gửi tới các bên đã được báo (R-24). Trả về thông báo huỷ. / The gateway ' +
      'serves again at once inside the former window; the maintenance notice is marked cancelled and a ' +
      'cancellation notice is published and sent to the parties told. Answers the cancellation notice.',
    problems: [404, 409],
  },
  listNotices: {
    summary: 'Các thông báo / Notices',
    description:
      'Mới nhất trước; tìm theo q (tiêu đề, nội dung), lọc theo kind, serviceId, phân trang bằng limit/offset. / ' +
      'Newest first; search with q (title, body), filter by kind, serviceId, page with limit/offset.',
  },

  // Provider connection requests.
  createConnectionRequest: {
    summary: 'Gửi đề nghị kết nối hệ thống / Apply to connect a system',
    description:
      'Theo mẫu Phụ lục: mục đích sử dụng, phạm vi sử dụng, đầu mối phối hợp, đề xuất khác. Người dùng cơ ' +
      'quan chỉ gửi cho cơ quan mình; quản trị viên Sở TT&TT có thể gửi thay. / The Appendix form: purpose, ' +
      'scope of use, contact point, other proposals. An agency user applies for its own organization; an ' +
      'operator administrator may apply on its behalf.',
    problems: [404],
  },
  listConnectionRequests: {
    summary: 'Danh sách đề nghị kết nối / List connection requests',
    description:
      'Mới nhất trước. Người dùng cơ quan chỉ thấy đề nghị của cơ quan mình. / Newest first. An agency user ' +
      'sees only its own organization’s requests.',
  },
  getConnectionRequest: { summary: 'Xem đề nghị kết nối / Get a connection request', problems: [404] },
  approveConnectionRequest: {
    summary: 'Phê duyệt đề nghị kết nối / Approve a connection request',
    description:
      'Tạo hệ thống thông tin (đang hoạt động) trong cùng giao dịch với quyết định; chỉ đề nghị đang chờ ' +
      '(submitted) mới được phê duyệt (409 CP_REQUEST_STATE). / Creates the information system (active) in ' +
      'the same transaction as the decision; only a submitted request can be approved.',
    problems: [404, 409],
  },
  rejectConnectionRequest: {
    summary: 'Từ chối đề nghị kết nối / Reject a connection request',
    description:
      'Phải nêu lý do; lý do được lưu và gửi cho cơ quan. / A reason is required; it is kept and sent to ' +
      'the organization.',
    problems: [404, 409],
  },
  getConnectionRequestLetter: {
    summary: 'Tải công văn đề nghị kết nối (.docx) / Download the request letter (.docx)',
    description:
      'Công văn theo mẫu Phụ lục của Quy chế, điền sẵn nội dung đề nghị, để cơ quan ký và gửi. / The ' +
      'official letter from the regulation’s Appendix template, filled with the request, for the agency ' +
      'to sign and send.',
    problems: [404],
  },

  // Consumer subscription requests.
  createSubscriptionRequest: {
    summary: 'Đăng ký khai thác dịch vụ / Register to use a service',
    description:
      'Ứng dụng, mục đích, tần suất (→ hạn mức) và thời gian khai thác (→ khung giờ) cho một phiên bản đã ' +
      'công bố (R-12). Người dùng cơ quan chỉ đăng ký cho hệ thống của cơ quan mình. / Application, purpose, ' +
      'frequency (→ quota) and time of use (→ window) for a published version. An agency user registers ' +
      'its own consumer systems only.',
    problems: [404, 409],
  },
  listSubscriptionRequests: {
    summary: 'Danh sách đề nghị đăng ký khai thác / List subscription requests',
    description:
      'Mới nhất trước; `overdue=true`: chỉ đề nghị quá hạn 2 ngày làm việc, cũ nhất trước. `overdueCount` ' +
      'luôn cho biết số đề nghị quá hạn. Người dùng cơ quan chỉ thấy đề nghị của hệ thống cơ quan mình. / ' +
      'Newest first; `overdue=true`: only requests past the 2-working-day deadline, oldest first. ' +
      '`overdueCount` always tells how many are overdue. An agency user sees its own systems’ requests only.',
  },
  getSubscriptionRequest: {
    summary: 'Xem đề nghị đăng ký khai thác / Get a subscription request',
    problems: [404],
  },
  getSubscriptionRequestGuide: {
    summary: 'Tài liệu hướng dẫn kỹ thuật của dịch vụ / The service’s technical guide',
    description:
      'Cấp khi duyệt sandbox (R-12): mô tả kỹ thuật R-11 của dịch vụ, tài liệu OpenAPI/WSDL của phiên bản, ' +
      'cách gọi qua cổng, các đăng ký đã cấp. / Issued with the sandbox approval: the R-11 description, the ' +
      'OpenAPI/WSDL document, how to call through the gateway, the subscriptions granted.',
    problems: [404, 409],
  },
  approveSubscriptionRequestSandbox: {
    summary: 'Duyệt môi trường thử nghiệm (sandbox) / Approve the sandbox',
    description:
      'Trong một giao dịch: tạo đăng ký sandbox (hạn mức, khung giờ theo đề nghị), cấp thông tin kết nối ' +
      'sandbox nếu hệ thống chưa có (bên khai thác tự nhận secret), cấp tài liệu hướng dẫn, thông báo cho cơ ' +
      'quan. / In one transaction: the sandbox subscription (quota and window from the request), a sandbox ' +
      'credential if the system has none (the consumer collects its secret), the technical guide, the ' +
      'notification.',
    problems: [404, 409],
  },
  approveSubscriptionRequestProduction: {
    summary: 'Duyệt môi trường chính thức / Approve production',
    description:
      'Sau khi bên khai thác đã gọi thử thành công: tạo đăng ký chính thức và cấp thông tin kết nối chính thức ' +
      'nếu hệ thống chưa có. / After the successful sandbox call: the production subscription, and a ' +
      'production credential if the system has none.',
    problems: [404, 409],
  },
  returnSubscriptionRequestForCompletion: {
    summary: 'Yêu cầu bổ sung, nêu nội dung / Ask for completion, saying what',
    description:
      'Đề nghị chuyển sang needs_completion; các nội dung cần bổ sung được lưu và gửi cho cơ quan (R-12). / ' +
      'The request waits for the consumer; the items are kept and sent to the organization.',
    problems: [404, 409],
  },
  rejectSubscriptionRequest: {
    summary: 'Từ chối, nêu lý do / Reject with reasons',
    description:
      'Lý do được lưu và gửi cho cơ quan; nếu đã duyệt sandbox thì đăng ký sandbox bị thu hồi. / The reasons ' +
      'are kept and sent to the organization; a sandbox subscription already granted is revoked.',
    problems: [404, 409],
  },
  requestSubscriptionRequestProduction: {
    summary: 'Đề nghị cấp tài khoản chính thức / Ask for production',
    description:
      'Cần một lời gọi sandbox thành công của chính hệ thống này tới phiên bản này, do cổng ghi nhận ' +
      '(409 CP_SANDBOX_CALL_REQUIRED). / Needs a successful sandbox call by this system to this version, ' +
      'recorded by the gateway.',
    problems: [404, 409],
  },
  resubmitSubscriptionRequest: {
    summary: 'Bổ sung và gửi lại đề nghị / Complete and resubmit',
    description:
      'Từ needs_completion, đề nghị trở lại bước đang chờ trước đó; hạn xử lý tính lại từ lúc gửi lại. / ' +
      'From needs_completion the request returns to the stage it was in; the deadline runs again from now.',
    problems: [404, 409],
  },
  collectSubscriptionRequestCredential: {
    summary: 'Nhận consumer key và secret (một lần) / Collect the key and secret (once)',
    description:
      'Tạo secret mới cho thông tin kết nối mà việc phê duyệt đã cấp và trả về MỘT lần; nhận lần hai bị từ ' +
      'chối (409 CP_REQUEST_STATE) — khi mất, đề nghị Sở TT&TT thay khoá. / Makes a fresh secret for the ' +
      'credential the approval issued and answers it ONCE; a second collection is refused — if it is lost, ' +
      'the operator rotates the credential.',
    problems: [404, 409],
  },

  // Proposed changes to a published version (issue 10, R-11, R-19).
  createVersionChange: {
    summary: 'Đề nghị thay đổi phiên bản đã công bố / Propose a change to a published version',
    description:
      'Địa chỉ dịch vụ nguồn (upstreams) và tài nguyên (resources) của phiên bản đã công bố chỉ đổi qua xét ' +
      'duyệt: cơ quan gửi đề nghị kèm lý do; production giữ nguyên cấu hình đã duyệt cho tới khi Sở TT&TT áp ' +
      'dụng. Mỗi phiên bản có tối đa một đề nghị đang xử lý (409 CP_VERSION_CHANGE_OPEN). / The upstreams and ' +
      'resources of a published version change only through review: the agency proposes with a reason; ' +
      'production keeps the reviewed configuration until the operator applies it. One open change per version.',
    problems: [404, 409],
  },
  listVersionChanges: {
    summary: 'Danh sách đề nghị thay đổi phiên bản / List version changes',
    description:
      'Mới nhất trước. Người dùng cơ quan chỉ thấy đề nghị cho dịch vụ của cơ quan mình. / Newest first. An ' +
      'agency user sees the changes of its own services only.',
  },
  getVersionChange: {
    summary: 'Xem đề nghị thay đổi phiên bản / Get a version change',
    problems: [404],
  },
  approveVersionChange: {
    summary: 'Duyệt để thử nghiệm ở sandbox / Approve for a sandbox test',
    description:
      'Từ lúc này môi trường sandbox của phiên bản phục vụ cấu hình đề nghị (`sandboxTarget` và tài nguyên đề ' +
      'nghị); production không đổi. / From now on the version’s sandbox serves the proposed configuration; ' +
      'production is unchanged.',
    problems: [404, 409],
  },
  applyVersionChange: {
    summary: 'Áp dụng thay đổi vào production / Apply the change to production',
    description:
      'Cần một lời gọi sandbox thành công qua cổng, ghi nhận sau khi mở thử nghiệm (409 ' +
      'CP_VERSION_CHANGE_TEST_REQUIRED). Bên khai thác đã đăng ký được thông báo (R-19). / Needs a successful ' +
      'sandbox call through the gateway recorded after the test opened. Subscribed consumers are notified.',
    problems: [404, 409],
  },
  rejectVersionChange: {
    summary: 'Từ chối đề nghị thay đổi, nêu lý do / Reject a version change with reasons',
    description:
      'Sandbox trở lại cấu hình đang phục vụ. / The sandbox returns to the configuration in service.',
    problems: [404, 409],
  },
  withdrawVersionChange: {
    summary: 'Rút lại đề nghị thay đổi / Withdraw a version change',
    problems: [404, 409],
  },

  listUsers: {
    summary: 'Danh sách người dùng / List users',
    description: 'Không bao giờ có mật khẩu. / Never includes a password.',
  },
  listSignIns: {
    summary: 'Lịch sử đăng nhập / Sign-in history',
    description:
      'Quản trị viên và kiểm tra viên: mọi lần đăng nhập API và bảng điều khiển (mật khẩu, SSO), thành công hay ' +
      'không, kể cả tên không có tài khoản; không bao giờ có mật khẩu hay token. Mới nhất trước; trang sau bằng ' +
      'cursor = nextCursor, không có total (docs/api-lists.md). Giữ như bản ghi giao dịch (R-20). / Operator ' +
      'administrators and auditors: every sign-in to the API and the console (password, SSO), successful or not, ' +
      'names with no account too; never a password or a token. Newest first; page on with nextCursor, no total. ' +
      'Kept as long as the transaction records (R-20).',
  },
  createUser: {
    summary: 'Thêm người dùng / Create a user',
    description:
      'Vai trò agency cần organizationId (cơ quan mà người dùng làm việc cho); các vai trò khác thì không. ' +
      'Mật khẩu ≥ 10 ký tự, lưu dạng băm. / Role agency needs organizationId (the organization the user ' +
      'acts for); the other roles take none. Passwords have ≥ 10 characters and are stored hashed.',
    problems: [404, 409],
  },
  unlockUser: {
    summary: 'Mở khóa đăng nhập / Lift a sign-in lockout',
    description:
      'Xóa bộ đếm đăng nhập sai của tên đăng nhập (có hoặc chưa có tài khoản), và của địa chỉ nếu nêu; ghi nhật ' +
      'ký. / Clears the failed sign-in counter of the username (an account or not), and of the address when ' +
      'given; audited.',
  },
  disableUser: {
    summary: 'Vô hiệu hóa người dùng / Disable a user',
    description:
      'Chỉ quản trị viên. Mọi phiên của người dùng kết thúc ngay; mật khẩu và SSO đều không đăng nhập được nữa. / ' +
      'Operator administrators only. Every session of the user ends at once; neither the password nor SSO signs ' +
      'them in again.',
    problems: [404],
  },

  resetUserPassword: {
    summary: 'Đặt lại mật khẩu của người dùng / Reset a user’s password',
    description:
      'Chỉ quản trị viên. Tạo mật khẩu ngẫu nhiên mới, trả về MỘT LẦN trong câu trả lời này (không ghi ở đâu khác); ' +
      'mọi phiên của người dùng kết thúc, khóa đăng nhập của tên này được mở; người dùng phải đổi mật khẩu sau khi ' +
      'đăng nhập. Ghi nhật ký (không có mật khẩu). / Operator administrators only. A new random password, returned ' +
      'ONCE in this answer (recorded nowhere else); every session of the user ends, the username’s sign-in lock is ' +
      'lifted; the user must change it after signing in. Audited (without the password).',
    problems: [404, 409],
  },

  listWebhooks: {
    summary: 'Các địa chỉ webhook / Webhook endpoints',
    description:
      'Cũ nhất trước; tìm theo q (URL, mã), phân trang bằng limit/offset. / Oldest first; search with q (URL, ' +
      'id), page with limit/offset.',
  },
  createWebhook: {
    summary: 'Đăng ký webhook nhận thông báo (khoá ký hiện một lần) / Register a webhook (secret shown once)',
    problems: [404],
  },
  deleteWebhook: { summary: 'Xoá webhook / Delete a webhook', problems: [404] },
  listWebhookEventTypes: {
    summary: 'Các sự kiện webhook và cách ký / Webhook events and how they are signed',
    description:
      'Mọi sự kiện nền tảng gửi (tên, mô tả, thân mẫu) và lược đồ chữ ký Standard Webhooks (docs/webhooks.md). / ' +
      'Every event the platform sends (name, description, example body) and the Standard Webhooks signature ' +
      'scheme.',
  },
  rotateWebhookSecret: {
    summary: 'Đổi khoá ký webhook (khoá mới hiện một lần) / Rotate a webhook secret (the new one shown once)',
    description:
      'Khoá cũ còn ký kèm trong overlapHours giờ (mặc định 24; 0: thôi ngay), mỗi lần gửi mang cả hai chữ ký. / ' +
      'The old secret keeps signing for overlapHours (default 24; 0: stops at once): deliveries carry both ' +
      'signatures meanwhile.',
    problems: [404],
  },

  listAlerts: {
    summary: 'Cảnh báo vận hành / Operator alerts',
    description:
      'Mới nhất trước, phân trang bằng limit/offset kèm total (docs/api-lists.md). / ' +
      'Newest first, paged with limit/offset and a total.',
  },
  listAlertEvents: {
    summary: "Lịch sử trạng thái của cảnh báo / An alert's state history",
    description: 'Cũ nhất trước, phân trang bằng limit/offset. / Oldest first, paged with limit/offset.',
  },
  acknowledgeAlert: {
    summary: 'Tiếp nhận cảnh báo / Acknowledge an alert',
    description:
      'Cảnh báo vẫn mở đến khi được đóng; lịch sử ghi "acknowledged" kèm ghi chú và người tiếp nhận; cảnh báo đã ' +
      'tiếp nhận không bị nâng mức (không báo lại). / The alert stays open until resolved; its history records ' +
      '"acknowledged" with the note and who; an acknowledged alert is not escalated (no repeat message).',
    problems: [404, 409],
  },
  resolveAlert: {
    summary: 'Đóng cảnh báo, ghi cách xử lý / Resolve an alert, saying how',
    problems: [404, 409],
  },

  // Shared category lists (issue 12 item 7, docs/categories.md).
  listCategories: {
    summary: 'Danh mục dùng chung / Shared category lists',
    description:
      'Người vận hành, người xét duyệt và kiểm toán viên đọc; chỉ quản trị viên vận hành thay đổi. / ' +
      'Operator staff and auditors read; only operator administrators change them.',
  },
  createCategory: {
    summary: 'Tạo danh mục (mã, tên, các trường) / Create a category list (code, names, fields)',
    problems: [409],
  },
  getCategory: { summary: 'Một danh mục / One category list', problems: [404] },
  updateCategory: { summary: 'Sửa tên, mô tả, nguồn của danh mục / Edit a list’s names', problems: [404] },
  importCategoryVersion: {
    summary: 'Nhập phiên bản mới từ CSV/XLSX / Import a new version from CSV or XLSX',
    description:
      'Dòng đầu là tên trường, mỗi dòng sau là một mục; trường đầu là mã (duy nhất). Kiểm tra toàn bộ tệp ' +
      'trước khi ghi: lỗi nêu dòng và cột (400 CP_CATEGORY_FILE_INVALID), không ghi gì. Phiên bản mới thay các mục ' +
      'đang cung cấp trong một giao dịch; phiên bản cũ được giữ. / The heading row names the fields, then one item ' +
      'per row; the first field is the key. The whole file is checked before anything is written: each problem ' +
      'names its row and column. The new version replaces the served items in one transaction; old ones are kept.',
    problems: [404, 409],
  },
  listCategoryVersions: { summary: 'Lịch sử phiên bản / Version history', problems: [404] },
  listCategoryItems: { summary: 'Các mục của một phiên bản / Items of a version', problems: [404] },
  listCategoryMappings: {
    summary: 'Bảng ánh xạ mã địa phương → mã quốc gia / Local-to-national code mapping',
    problems: [404],
  },
  importCategoryMappings: {
    summary: 'Thêm, sửa hoặc nhập bảng ánh xạ (JSON, CSV, XLSX) / Add, change or import mappings',
    problems: [404],
  },
  getCategoryMapping: {
    summary: 'Tra mã quốc gia của một mã địa phương / Look up a local code',
    problems: [404],
  },
  deleteCategoryMapping: { summary: 'Xoá một ánh xạ / Delete a mapping', problems: [404] },
  getCategoryService: {
    summary: 'Dịch vụ dựng sẵn phục vụ danh mục (/dmdc/1.0) / The built-in service serving the lists',
    description:
      'Phiên bản để đăng ký khai thác cho hệ thống bên khai thác như mọi dịch vụ. / The version to subscribe ' +
      'consumer systems to, like any service.',
  },
  syncCategories: {
    summary: 'Đồng bộ danh mục từ nền tảng ngang hàng / Sync category lists from a peer platform',
    description:
      'Đọc /dmdc/1.0/AllCategory, Metadata/{code} và mọi trang Category/{code} của nền tảng đó qua liên thông ' +
      '(token của ta tại đó, chữ ký RFC 9421, chính sách kết nối ra ngoài), kiểm tra tất cả rồi ghi mỗi danh mục ' +
      'thành một phiên bản mới trong một giao dịch, có nhật ký; bảng ánh xạ mã giữ nguyên. / Reads the peer’s ' +
      'lists through federation (our token there, an RFC 9421 signature, the egress policy), checks them all, then ' +
      'writes each as a new version here in one transaction, audited; the code mappings are kept.',
    problems: [404, 502],
  },
  listPeers: { summary: 'Các nền tảng ngang hàng (NDXP, LGSP khác) / Peer platforms (NDXP, other LGSPs)' },
  createPeer: {
    summary: 'Đăng ký nền tảng ngang hàng / Register a peer platform',
    description:
      'Tạo cơ quan, hệ thống loại platform và nền tảng ngang hàng; secret và khoá riêng được niêm phong, không ' +
      'bao giờ trả lại (docs/federation.md). / Creates its organization, its platform system and the peer; the ' +
      'client secret and key are sealed and never shown again.',
    problems: [409],
  },
  getPeer: { summary: 'Một nền tảng ngang hàng / One peer platform', problems: [404] },
  updatePeer: { summary: 'Sửa nền tảng ngang hàng / Change a peer platform', problems: [404] },
  listPeerImports: {
    summary: 'Dịch vụ đã nhập từ nền tảng này / Services imported from it',
    problems: [404],
  },
  importPeerService: {
    summary: 'Nhập một dịch vụ của nền tảng ngang hàng / Import a peer’s service',
    description:
      'Công bố ở đây dưới context/phiên bản riêng; hệ thống khai thác đăng ký như dịch vụ trong tỉnh. / ' +
      'Published here under a local context and version; consumers subscribe as to a local service.',
    problems: [404, 409],
  },
  getPeerCatalogue: {
    summary: 'Danh mục công khai của nền tảng OpenLGSP ngang hàng / An OpenLGSP peer’s public catalogue',
    description:
      'Một trang, do chính nền tảng kia tìm và phân trang theo dịch vụ (q, limit, offset); mỗi dòng là một phiên ' +
      'bản, total đếm dịch vụ. / One page, searched and paged by the peer itself, by service; each row is a ' +
      'version, total counts services.',
    problems: [404, 502],
  },
  listPeerGrants: {
    summary:
      'Đăng ký khai thác của nền tảng và cơ quan được đại diện / The peer’s subscriptions and the represented ' +
      'organizations each allows',
    problems: [404],
  },
  grantPeerSubscription: {
    summary:
      'Giới hạn đăng ký của nền tảng theo cơ quan được đại diện / Limit a peer’s subscription to represented organizations',
    problems: [404, 409],
  },
  getFederationLedger: {
    summary: 'Sổ giao dịch liên nền tảng theo mã đầu-cuối / Federated calls by end-to-end id',
    description:
      'Một trang của kỳ (docs/api-lists.md); cả kỳ để gửi bên kia đối soát: GET /api/v1/federation/ledger/export. ' +
      '/ One page of the period; the whole period, for the other side to reconcile, is the export.',
  },
  exportFederationLedger: {
    summary:
      'Xuất sổ liên nền tảng của một kỳ (tệp JSON) / Export the federated ledger of a period (JSON file)',
    description:
      'Cả kỳ, tối đa 100.000 dòng; quá thì 400 — hãy chia kỳ nhỏ hơn. Bên kia tải tệp này lên để đối soát ' +
      '(R-23). / The whole period, at most 100,000 entries (more: 400, split the period); the other platform ' +
      'uploads this file to reconcile.',
    problems: [400],
  },
  reconcileFederation: {
    summary: 'Đối soát với sổ của nền tảng khác / Reconcile with another platform’s ledger',
    description:
      'So theo mã giao dịch đầu-cuối: trạng thái trả bên gọi và cơ quan được đại diện (R-23). / Matched by ' +
      'end-to-end id: the status answered and the represented organization.',
  },
};
