import { ConfigProvider, Layout, Menu, Space, Typography } from 'antd';
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
        style={{ display: 'flex', alignItems: 'center', gap: 16, background: branding.primaryColor }}
      >
        <Link to="/portal" style={{ display: 'flex', alignItems: 'center', gap: 8 }}>
          <img src={branding.logoUrl} alt="" width={32} height={32} />
          <Typography.Text strong style={{ color: '#fff' }}>
            {branding.provinceName}
          </Typography.Text>
        </Link>
        <nav aria-label={t('Cổng thông tin', 'Portal')} style={{ flex: 1 }}>
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
        <Space>
          <LanguageSwitch />
          <Link to="/" style={{ color: '#fff' }}>
            {t('Đăng nhập', 'Sign in')}
          </Link>
        </Space>
      </Layout.Header>
      <Layout.Content style={{ padding: 24, maxWidth: 1200, width: '100%', margin: '0 auto' }}>
        <main>
          <Outlet />
        </main>
      </Layout.Content>
      <Layout.Footer style={{ textAlign: 'center' }}>{branding.portalTitle} · OpenLGSP</Layout.Footer>
    </Layout>
  );
}
