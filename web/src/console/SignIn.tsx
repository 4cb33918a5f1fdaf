import { LoginOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Divider, Form, Input, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { api, problemText } from '../shared/api.ts';
import { useBranding } from '../shared/branding.tsx';
import { useT } from '../shared/i18n.tsx';
import { LanguageSwitch } from '../shared/LanguageSwitch.tsx';
import { useSession } from '../shared/session.tsx';

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
    if (reason) setError(`${t('Đăng nhập một lần không thành công', 'Single sign-on failed')}: ${reason}`);
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
