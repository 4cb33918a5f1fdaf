import { DownOutlined, KeyOutlined, LogoutOutlined } from '@ant-design/icons';
import { Button, Dropdown, Grid, Layout, Menu, Space, Typography } from 'antd';
import { useMemo } from 'react';
import { Link, Outlet, useLocation, useNavigate } from 'react-router-dom';
import { useBranding } from '../shared/branding.tsx';
import { useLanguage, useT } from '../shared/i18n.tsx';
import { LanguageSwitch } from '../shared/LanguageSwitch.tsx';
import { roleLabel, useSession, useUser } from '../shared/session.tsx';
import { MENU_GROUPS, type MenuGroup } from './route.ts';
import { CONSOLE_ROUTES } from './routes.tsx';

/** The console's frame: the province's name and logo, the menu of what this role may open, the signed-in user. */
export function ConsoleLayout() {
  const t = useT();
  const { language } = useLanguage();
  const user = useUser();
  const { signOut, signedInWithSso, mustChangePassword } = useSession();
  const branding = useBranding();
  const location = useLocation();
  const navigate = useNavigate();

  // A user who must replace a password someone else has seen reaches nothing but the password form and the
  // sign-out (the API refuses every other call, API_PASSWORD_CHANGE_REQUIRED): no menu of screens that would refuse.
  const items = useMemo(() => {
    if (mustChangePassword) return [];
    const groups = new Map<MenuGroup, typeof CONSOLE_ROUTES>();
    for (const route of CONSOLE_ROUTES) {
      if (!route.menu || !route.roles.includes(user.role)) continue;
      const list = groups.get(route.menu.group) ?? [];
      list.push(route);
      groups.set(route.menu.group, list);
    }
    return [...groups.entries()]
      .sort(([a], [b]) => MENU_GROUPS[a].order - MENU_GROUPS[b].order)
      .map(([group, routes]) => ({
        type: 'group' as const,
        key: group,
        label: language === 'en' ? MENU_GROUPS[group].en : MENU_GROUPS[group].vi,
        children: routes
          .sort((a, b) => (a.menu?.order ?? 0) - (b.menu?.order ?? 0))
          .map((route) => ({
            key: `/${route.path}`,
            icon: route.menu?.icon,
            label: <Link to={`/${route.path}`}>{language === 'en' ? route.menu?.en : route.menu?.vi}</Link>,
          })),
      }));
  }, [user.role, language, mustChangePassword]);

  const selected = `/${location.pathname.split('/').filter(Boolean)[0] ?? ''}`;
  const [roleVi, roleEn] = roleLabel(user.role);
  // On a phone (below 576 px) the header keeps the name alone and an icon to sign out: with the role and the
  // button's words it was wider than the screen and pushed the name off its left edge.
  const screens = Grid.useBreakpoint();
  const wide = screens.sm !== false;
  const who = wide ? `${user.displayName} · ${t(roleVi, roleEn)}` : user.displayName;
  const whoStyle = wide ? undefined : { maxWidth: 150, overflow: 'hidden', textOverflow: 'ellipsis' };

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Sider width={250} theme="light" breakpoint="lg" collapsedWidth={0}>
        <Link to="/" style={{ display: 'flex', alignItems: 'center', gap: 8, padding: 16 }}>
          <img src={branding.logoUrl} alt="" width={32} height={32} />
          <Typography.Text strong>{branding.provinceName}</Typography.Text>
        </Link>
        {items.length > 0 && (
          <nav aria-label={t('Danh mục chức năng', 'Main menu')}>
            <Menu mode="inline" selectedKeys={[selected]} items={items} />
          </nav>
        )}
      </Layout.Sider>
      <Layout>
        <Layout.Header
          style={{
            background: '#fff',
            display: 'flex',
            justifyContent: 'flex-end',
            alignItems: 'center',
            paddingInline: wide ? 50 : 12,
          }}
        >
          <Space size="middle">
            {/* The user menu: what a person does to their own account (an SSO account has no password here). */}
            {signedInWithSso ? (
              <Typography.Text style={whoStyle} title={`${user.displayName} · ${t(roleVi, roleEn)}`}>
                {who}
              </Typography.Text>
            ) : (
              <Dropdown
                trigger={['click']}
                menu={{
                  items: [
                    {
                      key: 'password',
                      icon: <KeyOutlined />,
                      label: t('Đổi mật khẩu', 'Change password'),
                      onClick: () => navigate('/password'),
                    },
                  ],
                }}
              >
                <Button type="text" title={`${user.displayName} · ${t(roleVi, roleEn)}`}>
                  <span style={whoStyle}>{who}</span> <DownOutlined />
                </Button>
              </Dropdown>
            )}
            <LanguageSwitch />
            <Button
              icon={<LogoutOutlined />}
              aria-label={t('Đăng xuất', 'Sign out')}
              onClick={() => void signOut()}
            >
              {wide ? t('Đăng xuất', 'Sign out') : null}
            </Button>
          </Space>
        </Layout.Header>
        {/* Below 992 px the menu folds into a ☰ button hanging under the header's left edge: the page starts
            below it rather than under it. */}
        <Layout.Content
          style={{ margin: wide ? 24 : 12, marginTop: screens.lg === false ? 56 : wide ? 24 : 12 }}
        >
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
