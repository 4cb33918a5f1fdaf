import { Result, Spin } from 'antd';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { ChangePassword } from './console/ChangePassword.tsx';
import { ConsoleLayout } from './console/Layout.tsx';
import { type ConsoleRoute, MENU_GROUPS } from './console/route.ts';
import { CONSOLE_ROUTES } from './console/routes.tsx';
import { SignIn } from './console/SignIn.tsx';
import { PortalLayout } from './portal/Layout.tsx';
import { PORTAL_ROUTES } from './portal/routes.tsx';
import { useT } from './shared/i18n.tsx';
import { SessionProvider, useSession } from './shared/session.tsx';

/** `/portal/…` is public (no session asked for); everything else is the console, behind sign-in. */
export function App() {
  return (
    <BrowserRouter>
      <Routes>
        <Route path="/portal" element={<PortalLayout />}>
          {PORTAL_ROUTES.map((route) =>
            route.path === '' ? (
              <Route key="index" index element={route.element} />
            ) : (
              <Route key={route.path} path={route.path} element={route.element} />
            ),
          )}
          <Route path="*" element={<NotFound />} />
        </Route>
        {/* Only the console asks who is signed in: the public portal has no use for a session, and asking answered
            every anonymous visitor 401 — an error in the browser's console on every portal page. */}
        <Route
          path="/*"
          element={
            <SessionProvider>
              <Console />
            </SessionProvider>
          }
        />
      </Routes>
    </BrowserRouter>
  );
}

function Console() {
  const { user, mustChangePassword } = useSession();
  if (user === undefined) {
    return <Spin fullscreen />;
  }
  if (user === null) return <SignIn />;
  // A password an operator reset has been seen by someone else: nothing else opens until the user replaces it.
  if (mustChangePassword) {
    return (
      <Routes>
        <Route element={<ConsoleLayout />}>
          <Route path="password" element={<ChangePassword />} />
          <Route path="*" element={<Navigate to="/password" replace />} />
        </Route>
      </Routes>
    );
  }
  const routes = CONSOLE_ROUTES.filter((route) => route.roles.includes(user.role));
  const home = firstMenuPath(routes);
  return (
    <Routes>
      <Route element={<ConsoleLayout />}>
        {routes.map((route) => (
          <Route key={route.path} path={route.path} element={route.element} />
        ))}
        {/* Every signed-in person's own page, from the user menu (no menu entry of its own). */}
        <Route path="password" element={<ChangePassword />} />
        <Route index element={home ? <Navigate to={`/${home}`} replace /> : <NotFound />} />
        <Route path="*" element={<NotFound />} />
      </Route>
    </Routes>
  );
}

/**
 * Where `/` leads: the first entry of the menu as the menu orders it (group, then entry), so an agency user lands on
 * its organization's overview, the first entry under "Cơ quan của tôi", not on the first screen of the route list.
 */
function firstMenuPath(routes: ConsoleRoute[]): string {
  const rank = (route: ConsoleRoute) =>
    route.menu
      ? MENU_GROUPS[route.menu.group].order * 1000 + (route.menu.order ?? 0)
      : Number.POSITIVE_INFINITY;
  const first = routes.filter((route) => route.menu).sort((a, b) => rank(a) - rank(b))[0];
  return first?.path ?? '';
}

function NotFound() {
  const t = useT();
  return (
    <Result
      status="404"
      title="404"
      subTitle={t(
        'Không có trang này, hoặc vai trò của bạn không được mở trang này.',
        'No such page, or your role may not open it.',
      )}
    />
  );
}
