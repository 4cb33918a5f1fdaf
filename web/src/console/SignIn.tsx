import { LoginOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Divider, Form, Input, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { SIGN_IN_ERRORS, type SignInError } from '../../../src/api/contract/auth.ts';
import { api, problemText } from '../shared/api.ts';
import { useBranding } from '../shared/branding.tsx';
import { useT } from '../shared/i18n.tsx';
import { LanguageSwitch } from '../shared/LanguageSwitch.tsx';
import { useSession } from '../shared/session.tsx';

/** What a person reads when single sign-on sent them back here (`/?signin_error=<code>`, src/api/oidc.ts). */
const SIGN_IN_ERROR_WORDS: Record<SignInError, [vi: string, en: string]> = {
  oidc_not_configured: [
    'Nền tảng chưa cấu hình đăng nhập một lần',
    'Single sign-on is not configured on this platform',
  ],
  provider_unavailable: [
    'Không liên lạc được với nhà cung cấp định danh; thử lại sau ít phút',
    'The identity provider could not be reached; try again in a few minutes',
  ],
  provider_denied: [
    'Nhà cung cấp định danh không cho đăng nhập (bạn đã từ chối, hoặc tài khoản ở đó không được phép)',
    'The identity provider did not sign you in (you declined, or your account there is not allowed)',
  ],
  signin_expired: [
    'Phiên đăng nhập đã hết hạn hoặc được mở ở trình duyệt khác; hãy bấm đăng nhập một lần lại',
    'The sign-in took too long or was started in another browser; start single sign-on again',
  ],
  invalid_response: [
    'Nhà cung cấp định danh trả lời không hợp lệ; báo người vận hành nền tảng',
    'The identity provider answered something invalid; tell the platform operator',
  ],
  no_matching_rule: [
    'Tài khoản của bạn chưa được gán vai trò nào trên nền tảng; liên hệ người vận hành nền tảng',
    'No role on this platform is given to your account; contact the platform operator',
  ],
  organization_unknown: [
    'Cơ quan của bạn chưa có trên nền tảng; liên hệ người vận hành nền tảng',
    'Your organization is not registered on this platform; contact the platform operator',
  ],
  user_disabled: [
    'Tài khoản của bạn trên nền tảng đã bị khoá; liên hệ người vận hành nền tảng',
    'Your account on this platform is disabled; contact the platform operator',
  ],
};

/**
 * The words for a code in the address; any other text there is not shown — a link could otherwise make the
 * console's sign-in page say whatever its author likes.
 */
function signInErrorWords(code: string): [vi: string, en: string] {
  return (SIGN_IN_ERRORS as readonly string[]).includes(code)
    ? SIGN_IN_ERROR_WORDS[code as SignInError]
    : ['Không rõ lý do', 'Reason unknown'];
}

/** Local account sign-in, and single sign-on when the operator configured an OpenID provider. */
export function SignIn() {
  const t = useT();
  const branding = useBranding();
  const { signIn } = useSession();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [sso, setSso] = useState<{ enabled: boolean; label?: string | null } | null>(null);

  useEffect(() => {
    api
      .call('getSignInOptions', { auth: false })
      .then((options) => setSso(options.oidc))
      .catch(() => setSso(null));
    // The single sign-on callback comes back here with a reason when it could not sign the person in.
    const reason = new URLSearchParams(window.location.search).get('signin_error');
    if (reason)
      setError(
        `${t('Đăng nhập một lần không thành công', 'Single sign-on failed')}: ${t(...signInErrorWords(reason))}`,
      );
  }, [t]);

  const onFinish = async ({ username, password }: { username: string; password: string }) => {
    setBusy(true);
    setError(null);
    try {
      await signIn(username, password);
    } catch (err) {
      setError(problemText(err, t));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main style={{ display: 'flex', minHeight: '100vh', alignItems: 'center', justifyContent: 'center' }}>
      <Card style={{ width: 400 }}>
        <Space direction="vertical" style={{ width: '100%' }}>
          <Space style={{ justifyContent: 'space-between', width: '100%' }}>
            <img src={branding.logoUrl} alt="" width={40} height={40} />
            <LanguageSwitch />
          </Space>
          <Typography.Title level={1} style={{ fontSize: 22 }}>
            {t('Đăng nhập bảng điều khiển', 'Sign in to the console')}
          </Typography.Title>
          <Typography.Text type="secondary">{branding.provinceName}</Typography.Text>
          {error && <Alert type="error" role="alert" showIcon message={error} />}
          <Form layout="vertical" onFinish={onFinish} requiredMark={false}>
            <Form.Item
              label={t('Tên đăng nhập', 'Username')}
              name="username"
              rules={[{ required: true, message: t('Nhập tên đăng nhập', 'Enter your username') }]}
            >
              <Input autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item
              label={t('Mật khẩu', 'Password')}
              name="password"
              rules={[{ required: true, message: t('Nhập mật khẩu', 'Enter your password') }]}
            >
              <Input.Password autoComplete="current-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy} icon={<LoginOutlined />}>
              {t('Đăng nhập', 'Sign in')}
            </Button>
          </Form>
          {sso?.enabled && (
            <>
              <Divider plain>{t('hoặc', 'or')}</Divider>
              <Button block href="/api/v1/auth/oidc/start">
                {sso.label || t('Đăng nhập một lần (SSO)', 'Single sign-on (SSO)')}
              </Button>
            </>
          )}
          <Typography.Link href="/portal">{t('Cổng thông tin công khai', 'Public portal')} →</Typography.Link>
        </Space>
      </Card>
    </main>
  );
}
