import { ConfigProvider, Grid, Layout, Menu, Space, Typography } from 'antd';
import { Link, Outlet, useLocation } from 'react-router-dom';
import { useBranding } from '../shared/branding.tsx';
import { useLanguage, useT } from '../shared/i18n.tsx';
import { LanguageSwitch } from '../shared/LanguageSwitch.tsx';
import { PORTAL_ROUTES } from './routes.tsx';

/** The public developer portal's frame: no sign-in, readable by every agency (R-10). */
export function PortalLayout() {
  const t = useT();
  const { language } = useLanguage();
  const branding = useBranding();
  const location = useLocation();
  // On a phone (below 576 px) the province's name leaves the header to its logo: beside the menu and the language
  // switch it squeezed into a column of letters and pushed the switch and "Đăng nhập" off the screen.
  const wide = Grid.useBreakpoint().sm !== false;
  const items = PORTAL_ROUTES.filter((route) => route.menu)
    .sort((a, b) => (a.menu?.order ?? 0) - (b.menu?.order ?? 0))
    .map((route) => ({
      key: `/portal${route.path ? `/${route.path}` : ''}`,
      label: (
        <Link to={`/portal${route.path ? `/${route.path}` : ''}`}>
          {language === 'en' ? route.menu?.en : route.menu?.vi}
        </Link>
      ),
    }));
  const first = location.pathname.split('/').filter(Boolean)[1];
  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header
        style={{
          display: 'flex',
          alignItems: 'center',
          gap: wide ? 16 : 8,
          background: branding.primaryColor,
          paddingInline: wide ? 50 : 12,
        }}
      >
        <Link to="/portal" style={{ display: 'flex', alignItems: 'center', gap: 8, flexShrink: 0 }}>
          <img src={branding.logoUrl} alt={wide ? '' : branding.provinceName} width={32} height={32} />
          {wide ? (
            <Typography.Text strong style={{ color: '#fff', whiteSpace: 'nowrap' }}>
              {branding.provinceName}
            </Typography.Text>
          ) : null}
        </Link>
        {/* minWidth 0: the menu may shrink, folding the entries that do not fit into its "…" */}
        <nav aria-label={t('Cổng thông tin', 'Portal')} style={{ flex: 1, minWidth: 0 }}>
          {/* White on the province's colour: the dark menu's default grey text is below WCAG AA contrast on it. */}
          <ConfigProvider
            theme={{
              components: {
                Menu: {
                  darkItemBg: 'transparent',
                  darkItemColor: '#ffffff',
                  darkItemHoverColor: '#ffffff',
                  darkItemSelectedBg: 'rgba(0, 0, 0, 0.3)',
                  darkItemSelectedColor: '#ffffff',
                },
              },
            }}
          >
            <Menu
              mode="horizontal"
              theme="dark"
              style={{ background: 'transparent' }}
              selectedKeys={[first ? `/portal/${first}` : '/portal']}
              items={items}
            />
          </ConfigProvider>
        </nav>
        <Space style={{ flexShrink: 0 }}>
          <LanguageSwitch />
          <Link to="/" style={{ color: '#fff', whiteSpace: 'nowrap' }}>
            {t('Đăng nhập', 'Sign in')}
          </Link>
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: wide ? 24 : 12, maxWidth: 1200, width: '100%', margin: '0 auto' }}>
        <Outlet />
      </Layout.Content>
      <Layout.Footer style={{ textAlign: 'center' }}>{branding.portalTitle} · OpenLGSP</Layout.Footer>
    </Layout>
  );
}
