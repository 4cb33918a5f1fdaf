/**
 * What an audit event's action says, in words: its object and its verb, Vietnamese and English. The action code
 * (`system.create`) stays beside it — the filter takes it — but a newcomer read only codes on the audit screen.
 * A verb or object not listed here shows the code alone.
 */
type Pair = [vi: string, en: string];

const OBJECTS: Record<string, Pair> = {
  access_token: ['Token', 'Token'],
  category_list: ['Danh mục dùng chung', 'Category list'],
  connection_request: ['Đề nghị kết nối', 'Connection request'],
  credential: ['Khoá truy cập', 'Credential'],
  maintenance: ['Bảo trì', 'Maintenance'],
  notice: ['Thông báo', 'Notice'],
  organization: ['Cơ quan', 'Organization'],
  peer: ['Nền tảng liên thông', 'Peer platform'],
  service: ['Dịch vụ', 'Service'],
  service_version: ['Phiên bản dịch vụ', 'Service version'],
  version: ['Phiên bản dịch vụ', 'Service version'],
  signing_key: ['Khoá ký token', 'Signing key'],
  subscription: ['Đăng ký khai thác', 'Subscription'],
  subscription_request: ['Đề nghị khai thác', 'Subscription request'],
  system: ['Hệ thống thông tin', 'Information system'],
  user: ['Người dùng', 'User'],
  version_change: ['Đề nghị thay đổi', 'Version change'],
  webhook: ['Webhook', 'Webhook'],
  webhook_endpoint: ['Webhook', 'Webhook'],
};

const VERBS: Record<string, Pair> = {
  announce: ['Thông báo', 'Announce'],
  apply: ['Áp dụng', 'Apply'],
  approve: ['Phê duyệt', 'Approve'],
  approve_production: ['Cấp chính thức', 'Grant production'],
  approve_sandbox: ['Cấp sandbox', 'Grant sandbox'],
  cancel: ['Huỷ', 'Cancel'],
  collect_credential: ['Nhận khoá', 'Collect the key'],
  create: ['Tạo', 'Create'],
  decommission: ['Ngừng cung cấp', 'Decommission'],
  delete: ['Xoá', 'Delete'],
  deprecate: ['Thay thế (ngừng hỗ trợ dần)', 'Deprecate'],
  disable: ['Vô hiệu hoá', 'Disable'],
  grant: ['Cấp quyền', 'Grant'],
  import: ['Nhập', 'Import'],
  issue: ['Cấp', 'Issue'],
  map: ['Gắn', 'Map'],
  needs_completion: ['Yêu cầu bổ sung', 'Ask for completion'],
  propose: ['Đề nghị', 'Propose'],
  publish: ['Công bố', 'Publish'],
  reject: ['Từ chối', 'Reject'],
  request_production: ['Đề nghị chính thức', 'Request production'],
  resubmit: ['Gửi lại', 'Resubmit'],
  retire: ['Ngừng', 'Retire'],
  revoke: ['Thu hồi', 'Revoke'],
  rotate: ['Đổi khoá', 'Rotate'],
  rotate_secret: ['Đổi khoá bí mật', 'Rotate the secret'],
  schedule: ['Lên lịch', 'Schedule'],
  sso_create: ['Tạo qua SSO', 'Create through SSO'],
  sso_update: ['Cập nhật qua SSO', 'Update through SSO'],
  start_sandbox_test: ['Bắt đầu thử nghiệm sandbox', 'Start the sandbox test'],
  submit: ['Gửi duyệt', 'Submit'],
  unlock: ['Mở khoá đăng nhập', 'Unlock sign-in'],
  unmap: ['Bỏ gắn', 'Unmap'],
  update: ['Cập nhật', 'Update'],
  withdraw: ['Rút lại', 'Withdraw'],
};

/** `system.create` → ['Tạo · Hệ thống thông tin', 'Create · Information system']; null when either part is unknown. */
export function auditActionLabel(action: string, objectType: string): Pair | null {
  const parts = action.split('.');
  const verb = VERBS[parts.at(-1) ?? ''];
  const object = OBJECTS[parts.length > 1 ? parts[0]! : objectType] ?? OBJECTS[objectType];
  if (!verb || !object) return null;
  return [`${verb[0]} · ${object[0]}`, `${verb[1]} · ${object[1]}`];
}

/** The object type in words (`service_version` → Phiên bản dịch vụ); null when not listed. */
export function auditObjectLabel(objectType: string): Pair | null {
  return OBJECTS[objectType] ?? null;
}
