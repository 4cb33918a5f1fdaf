import { createContext, type ReactNode, useCallback, useContext, useEffect, useMemo, useState } from 'react';
import type { Role, User } from '../../../src/api/contract/auth.ts';
import { ApiError, api, setCsrfToken } from './api.ts';

/**
 * Who is signed in to the console. The session lives in an HttpOnly cookie the page cannot read (so a script
 * injected into the page cannot steal it); the page keeps only the user and the CSRF token the API gave it.
 */
interface SessionState {
  /** undefined while the first check runs; null when nobody is signed in. */
  user: User | null | undefined;
  /** A temporary password (an operator's or generated): the console sends the user to the change page until they change it. */
  mustChangePassword: boolean;
  /** A single sign-on session has no password here to change. */
  signedInWithSso: boolean;
  /** After the user changed their password (this session stays; the others ended). */
  passwordChanged: () => void;
  signIn: (username: string, password: string) => Promise<void>;
  signOut: () => Promise<void>;
  /** After an API call answered 401: the session ended elsewhere (expired, revoked). */
  expired: () => void;
}

const SessionContext = createContext<SessionState | null>(null);

export function SessionProvider({ children }: { children: ReactNode }) {
  const [user, setUser] = useState<User | null | undefined>(undefined);
  const [mustChangePassword, setMustChangePassword] = useState(false);
  const [signedInWithSso, setSignedInWithSso] = useState(false);

  useEffect(() => {
    // 200 either way: `user` null for a visitor not signed in, so the sign-in page makes no failed request.
    api
      .call('getConsoleSession')
      .then((session) => {
        setCsrfToken(session.csrfToken);
        setMustChangePassword(session.mustChangePassword);
        setSignedInWithSso(session.signedInWith === 'oidc');
        setUser(session.user);
      })
      .catch(() => setUser(null));
  }, []);

  const signIn = useCallback(async (username: string, password: string) => {
    const session = await api.call('createConsoleSession', { body: { username, password } });
    setCsrfToken(session.csrfToken);
    setMustChangePassword(session.mustChangePassword);
    setSignedInWithSso(false);
    setUser(session.user);
  }, []);

  const signOut = useCallback(async () => {
    let endSessionUrl: string | null = null;
    try {
      const ended = await api.call('deleteConsoleSession');
      endSessionUrl = (ended as { endSessionUrl?: string | null } | null)?.endSessionUrl ?? null;
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    setCsrfToken(null);
    setUser(null);
    // A single sign-on session also ends at the provider (RP-initiated logout), or the next SSO click signs in again.
    if (endSessionUrl) window.location.assign(endSessionUrl);
  }, []);

  const expired = useCallback(() => {
    setCsrfToken(null);
    setUser(null);
  }, []);

  const passwordChanged = useCallback(() => setMustChangePassword(false), []);

  const value = useMemo(
    () => ({ user, mustChangePassword, signedInWithSso, passwordChanged, signIn, signOut, expired }),
    [user, mustChangePassword, signedInWithSso, passwordChanged, signIn, signOut, expired],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

/** The signed-in user (inside the console's routes, which only render when someone is signed in). */
export function useUser(): User {
  const { user } = useSession();
  if (!user) throw new Error('useUser without a signed-in user');
  return user;
}

export const OPERATOR_ROLES: readonly Role[] = ['operator_admin', 'operator_reviewer', 'auditor'];
export const ALL_ROLES: readonly Role[] = ['operator_admin', 'operator_reviewer', 'auditor', 'agency'];

export function roleLabel(role: Role): [vi: string, en: string] {
  switch (role) {
    case 'operator_admin':
      return ['Quản trị nền tảng', 'Operator administrator'];
    case 'operator_reviewer':
      return ['Thẩm định', 'Reviewer'];
    case 'auditor':
      return ['Kiểm tra (chỉ xem)', 'Auditor (read-only)'];
    case 'agency':
      return ['Cơ quan', 'Agency'];
  }
}
