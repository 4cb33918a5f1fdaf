import { Alert, Button, Form, Input } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { PASSWORD_MIN_LENGTH } from '../../../src/api/contract/auth.ts';
import { api } from '../shared/api.ts';
import { useT } from '../shared/i18n.tsx';
import { useSession } from '../shared/session.tsx';
import { PageTitle, ProblemAlert } from './components/page.tsx';
import { MyRecentSignIns } from './registry/SignIns.tsx';

interface PasswordForm {
  currentPassword: string;
  newPassword: string;
  again: string;
}

/**
 * A person changes their own password (docs/security.md §2.11): the current one (checked as a sign-in is, so a
 * wrong one counts toward the lockout), the new one twice. Every other session of theirs ends; this one stays. After
 * an operator's reset the console opens only this page until the password is changed.
 */
export function ChangePassword() {
  const t = useT();
  const { mustChangePassword, passwordChanged, signedInWithSso } = useSession();
  const [form] = Form.useForm<PasswordForm>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [ended, setEnded] = useState<number | null>(null);
  // Whether this change was the forced one of a first sign-in: then the page says where to go on from here.
  const [wasForced, setWasForced] = useState(false);

  const submit = async (values: PasswordForm) => {
    setBusy(true);
    setError(null);
    try {
      const changed = await api.call('changeOwnPassword', {
        body: { currentPassword: values.currentPassword, newPassword: values.newPassword },
      });
      form.resetFields();
      setWasForced(mustChangePassword);
      setEnded(changed.sessionsEnded);
      passwordChanged();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (signedInWithSso) {
    return (
      <div style={{ maxWidth: 480 }}>
        <PageTitle>{t('Đổi mật khẩu', 'Change password')}</PageTitle>
        <Alert
          type="info"
          showIcon
          title={t(
            'Bạn đăng nhập qua SSO: mật khẩu do nhà cung cấp định danh quản lý, không đổi ở đây.',
            'You signed in with SSO: your password is managed by the identity provider, not here.',
          )}
        />
        <MyRecentSignIns />
      </div>
    );
  }

  return (
    <div style={{ maxWidth: 480 }}>
      <PageTitle>{t('Đổi mật khẩu', 'Change password')}</PageTitle>
      {mustChangePassword && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          title={t(
            'Mật khẩu của bạn là mật khẩu tạm (do quản trị viên đặt hoặc hệ thống tạo). Hãy đổi mật khẩu trước khi tiếp tục.',
            'Your password is a temporary one (set by an administrator or generated). Change it before you continue.',
          )}
        />
      )}
      {ended !== null && (
        <Alert
          type="success"
          showIcon
          role="status"
          style={{ marginBottom: 16 }}
          title={
            // "0 phiên đăng nhập khác đã kết thúc" read as if something had gone wrong: with none, nothing is said.
            ended === 0
              ? t('Đã đổi mật khẩu.', 'Password changed.')
              : t(
                  `Đã đổi mật khẩu. ${ended} phiên đăng nhập khác đã kết thúc.`,
                  `Password changed. ${ended} other session(s) ended.`,
                )
          }
          action={wasForced ? <Link to="/">{t('Tiếp tục →', 'Continue →')}</Link> : undefined}
        />
      )}
      <ProblemAlert error={error} />
      <Form<PasswordForm> form={form} layout="vertical" onFinish={(values) => void submit(values)}>
        <Form.Item
          name="currentPassword"
          label={t('Mật khẩu hiện tại', 'Current password')}
          rules={[{ required: true, message: t('Nhập mật khẩu hiện tại', 'Enter the current password') }]}
        >
          <Input.Password autoComplete="current-password" maxLength={1000} />
        </Form.Item>
        <Form.Item
          name="newPassword"
          label={t(
            `Mật khẩu mới (≥ ${PASSWORD_MIN_LENGTH} ký tự)`,
            `New password (≥ ${PASSWORD_MIN_LENGTH} characters)`,
          )}
          rules={[
            {
              required: true,
              min: PASSWORD_MIN_LENGTH,
              message: t(
                `Ít nhất ${PASSWORD_MIN_LENGTH} ký tự`,
                `At least ${PASSWORD_MIN_LENGTH} characters`,
              ),
            },
          ]}
        >
          <Input.Password autoComplete="new-password" maxLength={1000} />
        </Form.Item>
        <Form.Item
          name="again"
          label={t('Nhập lại mật khẩu mới', 'New password again')}
          dependencies={['newPassword']}
          rules={[
            { required: true, message: t('Nhập lại mật khẩu mới', 'Enter the new password again') },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                !value || value === getFieldValue('newPassword')
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('Hai lần nhập không khớp', 'The passwords differ'))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" maxLength={1000} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy}>
          {t('Đổi mật khẩu', 'Change password')}
        </Button>
      </Form>
      {/* Not while a temporary password holds every other call back (403 API_PASSWORD_CHANGE_REQUIRED). */}
      {!mustChangePassword && <MyRecentSignIns />}
    </div>
  );
}
