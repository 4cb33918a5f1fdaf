import { PlusOutlined } from '@ant-design/icons';
import { App, Button, Checkbox, Form, Input, Modal, Select, Space, Tabs } from 'antd';
import { type ReactNode, useState } from 'react';
import type { Role } from '../../../../src/api/contract/auth.ts';
import { api, type OperationResponse } from '../../shared/api.ts';
import { type Translate, useT } from '../../shared/i18n.tsx';
import { useServerList } from '../../shared/server-list.ts';
import { ALL_ROLES, roleLabel } from '../../shared/session.tsx';
import { ColourTag } from '../../shared/tags.tsx';
import { formatDateTime } from '../../shared/time.ts';
import { PageTitle, ProblemAlert, SearchBox, useCan } from '../components/page.tsx';
import { RegistryName, searchOrganizations } from '../components/registry-names.tsx';
import { RemoteSelect } from '../components/registry-remote-select.tsx';
import { SecretOnceModal } from '../components/secret-once.tsx';
import { ServerTable } from '../components/server-table.tsx';
import { SignInHistory } from './SignIns.tsx';

type User = OperationResponse<'listUsers'>['items'][number];

interface UserForm {
  username: string;
  displayName: string;
  password: string;
  role: Role;
  organizationId?: string;
  mustChangePassword: boolean;
}

/**
 * Local accounts and their roles (issue 3); the operator administrator creates them and lifts sign-in lockouts. A
 * second tab is the sign-in history (docs/security.md §2.14): who signed in, from where, what was refused.
 */
export function Users() {
  const t = useT();
  const canManage = useCan('operator_admin');
  const [tab, setTab] = useState('users');
  const [creating, setCreating] = useState(false);
  return (
    <>
      <PageTitle
        extra={
          canManage &&
          tab === 'users' && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
              {t('Thêm người dùng', 'Add user')}
            </Button>
          )
        }
      >
        {t('Người dùng', 'Users')}
      </PageTitle>
      <Tabs
        activeKey={tab}
        onChange={setTab}
        items={[
          {
            key: 'users',
            label: t('Tài khoản', 'Accounts'),
            children: <UserAccounts creating={creating} onCreated={() => setCreating(false)} />,
          },
          { key: 'sign-ins', label: t('Lịch sử đăng nhập', 'Sign-in history'), children: <SignInHistory /> },
        ]}
      />
    </>
  );
}

function UserAccounts({ creating, onCreated }: { creating: boolean; onCreated: () => void }) {
  const t = useT();
  const canManage = useCan('operator_admin');
  const list = useServerList((request) => api.call('listUsers', { query: request }));
  const [unlocking, setUnlocking] = useState<User | null>(null);
  // A reset lifts the sign-in lock too: the list shows it.
  const resetting = usePasswordReset(list.reload);

  return (
    <>
      <ProblemAlert error={resetting.error} onClose={resetting.dismiss} />
      <SearchBox
        label={t('Tìm theo tên đăng nhập, họ tên', 'Search by username, name')}
        onSearch={list.search}
      />
      <ServerTable<User>
        list={list}
        emptyText={t('Chưa có người dùng nào', 'No user yet')}
        columns={[
          { title: t('Tên đăng nhập', 'Username'), dataIndex: 'username' },
          { title: t('Họ tên', 'Name'), dataIndex: 'displayName' },
          {
            title: t('Vai trò', 'Role'),
            dataIndex: 'role',
            render: (role: Role) => {
              const [vi, en] = roleLabel(role);
              return t(vi, en);
            },
          },
          {
            title: t('Cơ quan', 'Organization'),
            dataIndex: 'organizationId',
            render: (id: string | null) => <RegistryName kind="organization" id={id} />,
          },
          {
            title: t('Đăng nhập', 'Sign-in'),
            key: 'sign-in',
            render: (_: unknown, u: User) => <SignInState user={u} />,
          },
          ...(canManage
            ? [
                {
                  title: t('Thao tác', 'Actions'),
                  render: (_: unknown, u: User) => (
                    <Space size="small" wrap>
                      {u.lockedUntil !== null && (
                        <Button size="small" onClick={() => setUnlocking(u)}>
                          {t('Mở khoá đăng nhập', 'Unlock sign-in')}
                        </Button>
                      )}
                      <Button size="small" danger onClick={() => resetting.confirm(u)}>
                        {t('Đặt lại mật khẩu', 'Reset password')}
                      </Button>
                    </Space>
                  ),
                },
              ]
            : []),
        ]}
      />
      {creating && (
        <CreateUserModal
          onClose={(saved) => {
            onCreated();
            if (saved) list.reload();
          }}
        />
      )}
      {unlocking && (
        <UnlockModal
          user={unlocking}
          onClose={(unlocked) => {
            setUnlocking(null);
            if (unlocked) list.reload();
          }}
        />
      )}
      {resetting.modal}
    </>
  );
}

/**
 * The user's sign-in state as the list answers it: the username's lockout — locked until when (Vietnam time), or the
 * recent failures that count towards one — and a temporary password not changed yet (docs/security.md §2.11: set by
 * an operator or generated; the API holds everything else until it is changed); a dash when there is none of these.
 */
function SignInState({ user }: { user: User }) {
  const t = useT();
  const lock = lockState(user, t);
  if (lock === null && !user.mustChangePassword) return <>—</>;
  return (
    <Space size={4} wrap>
      {lock}
      {user.mustChangePassword && (
        <ColourTag color="orange">
          {t('Mật khẩu tạm, chưa đổi', 'Temporary password, not changed yet')}
        </ColourTag>
      )}
    </Space>
  );
}

function lockState(user: User, t: Translate): ReactNode {
  if (user.lockedUntil !== null) {
    const until = formatDateTime(user.lockedUntil);
    return <ColourTag color="red">{t(`Bị khoá tới ${until}`, `Locked until ${until}`)}</ColourTag>;
  }
  if (user.failedSignIns > 0) {
    const n = user.failedSignIns;
    return (
      <span>{t(`${n} lần đăng nhập sai gần đây`, `${n} recent failed sign-in${n === 1 ? '' : 's'}`)}</span>
    );
  }
  return null;
}

function CreateUserModal({ onClose }: { onClose: (saved: boolean) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [form] = Form.useForm<UserForm>();
  const role = Form.useWatch('role', form);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const save = async (values: UserForm) => {
    setBusy(true);
    setError(null);
    try {
      await api.call('createUser', {
        body: {
          username: values.username,
          displayName: values.displayName,
          password: values.password,
          role: values.role,
          organizationId: values.role === 'agency' ? (values.organizationId ?? null) : null,
          mustChangePassword: values.mustChangePassword,
        },
      });
      message.success(t('Đã tạo người dùng', 'User created'));
      onClose(true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <Modal
      open
      title={t('Thêm người dùng', 'Add user')}
      okText={t('Tạo', 'Create')}
      cancelText={t('Huỷ', 'Cancel')}
      confirmLoading={busy}
      onOk={() => form.submit()}
      onCancel={() => onClose(false)}
      destroyOnHidden
    >
      <ProblemAlert error={error} />
      <Form<UserForm>
        form={form}
        layout="vertical"
        onFinish={save}
        initialValues={{ role: 'agency', mustChangePassword: true }}
      >
        <Form.Item
          name="username"
          label={t('Tên đăng nhập', 'Username')}
          rules={[
            { required: true, message: t('Nhập tên đăng nhập', 'Enter a username') },
            {
              pattern: /^[A-Za-z0-9][A-Za-z0-9._@-]*$/,
              message: t('Chỉ chữ, số và . _ @ -', 'Letters, digits and . _ @ - only'),
            },
          ]}
        >
          <Input maxLength={100} autoComplete="off" />
        </Form.Item>
        <Form.Item
          name="displayName"
          label={t('Họ tên', 'Name')}
          rules={[{ required: true, message: t('Nhập họ tên', 'Enter the name') }]}
        >
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('Mật khẩu ban đầu', 'Initial password')}
          rules={[{ required: true, min: 10, message: t('Ít nhất 10 ký tự', 'At least 10 characters') }]}
        >
          <Input.Password maxLength={1000} autoComplete="new-password" />
        </Form.Item>
        {/* A password the operator chose is known to someone else: the user changes it first (docs/security.md §2.11). */}
        <Form.Item name="mustChangePassword" valuePropName="checked">
          <Checkbox>
            {t(
              'Người dùng phải đổi mật khẩu này ở lần đăng nhập đầu (bỏ chọn chỉ khi chính bạn hoặc một kịch bản dùng tài khoản)',
              'The user must change this password at the first sign-in (untick only for an account you or a script will use)',
            )}
          </Checkbox>
        </Form.Item>
        <Form.Item name="role" label={t('Vai trò', 'Role')} rules={[{ required: true }]}>
          <Select
            options={ALL_ROLES.map((r) => {
              const [vi, en] = roleLabel(r);
              return { value: r, label: t(vi, en) };
            })}
          />
        </Form.Item>
        {role === 'agency' && (
          <Form.Item
            name="organizationId"
            label={t('Cơ quan', 'Organization')}
            rules={[
              { required: true, message: t('Chọn cơ quan của người dùng', "Choose the user's organization") },
            ]}
          >
            <RemoteSelect search={searchOrganizations} />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

/**
 * An operator resets someone's password (docs/security.md §2.11): confirmed first, since it ends every session of
 * theirs; the new password is then on screen once, with a copy button, and dropped when the step closes. A refusal
 * (`error`) is for the list to show above itself, once the confirmation has closed.
 */
function usePasswordReset(onReset: () => void) {
  const t = useT();
  const { modal } = App.useApp();
  const [shown, setShown] = useState<{ username: string; password: string; sessionsEnded: number } | null>(
    null,
  );
  const [error, setError] = useState<unknown>(null);
  const confirm = (user: User) => {
    modal.confirm({
      title: t(`Đặt lại mật khẩu của ${user.username}?`, `Reset the password of ${user.username}?`),
      content: t(
        'Một mật khẩu ngẫu nhiên mới được tạo và chỉ hiện một lần. Mọi phiên đăng nhập của người dùng kết thúc ngay, khoá đăng nhập được mở, và người dùng phải đổi mật khẩu sau khi đăng nhập.',
        'A new random password is made and shown only once. Every session of the user ends at once, the sign-in lock is lifted, and the user must change the password after signing in.',
      ),
      okText: t('Đặt lại mật khẩu', 'Reset password'),
      okButtonProps: { danger: true },
      cancelText: t('Huỷ', 'Cancel'),
      onOk: async () => {
        setError(null);
        try {
          setShown(await api.call('resetUserPassword', { params: { username: user.username }, body: {} }));
          onReset();
        } catch (err) {
          setError(err);
        }
      },
    });
  };
  const element = (
    <SecretOnceModal
      title={t('Mật khẩu mới', 'New password')}
      fields={
        shown
          ? [
              { label: t('Tên đăng nhập', 'Username'), value: shown.username, code: true },
              { label: t('Phiên đã kết thúc', 'Sessions ended'), value: String(shown.sessionsEnded) },
            ]
          : []
      }
      secretLabel={t('Mật khẩu mới', 'New password')}
      secret={shown?.password ?? null}
      onClose={() => setShown(null)}
    />
  );
  return { confirm, modal: element, error, dismiss: () => setError(null) };
}

/** Lifts the sign-in lockout of a username (and of a client address, when one is given). */
function UnlockModal({ user, onClose }: { user: User; onClose: (unlocked: boolean) => void }) {
  const t = useT();
  const { message } = App.useApp();
  const [address, setAddress] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const unlock = async () => {
    setBusy(true);
    setError(null);
    try {
      const result = await api.call('unlockUser', {
        params: { username: user.username },
        body: address.trim() ? { address: address.trim() } : {},
      });
      message.success(
        result.cleared > 0
          ? t('Đã mở khoá đăng nhập', 'Sign-in unlocked')
          : t('Tài khoản không bị khoá', 'The account was not locked'),
      );
      onClose(true);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return (
    <Modal
      open
      title={t(`Mở khoá đăng nhập: ${user.username}`, `Unlock sign-in: ${user.username}`)}
      okText={t('Mở khoá', 'Unlock')}
      cancelText={t('Huỷ', 'Cancel')}
      confirmLoading={busy}
      onOk={() => void unlock()}
      onCancel={() => onClose(false)}
    >
      <Form layout="vertical">
        <Form.Item
          label={t('Cũng mở khoá địa chỉ IP (không bắt buộc)', 'Also unlock this IP address (optional)')}
          htmlFor="unlock-address"
        >
          <Input
            id="unlock-address"
            maxLength={100}
            value={address}
            onChange={(e) => setAddress(e.target.value)}
          />
        </Form.Item>
      </Form>
      <ProblemAlert error={error} />
    </Modal>
  );
}
