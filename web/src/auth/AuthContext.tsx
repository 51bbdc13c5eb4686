import { createContext, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiClient, ApiError } from '../api/client';
import type { LoginRequest, Session, SignupRequest, Tenant, User } from '../api/types';

export type AuthState =
  | { status: 'loading' }
  | { status: 'anonymous'; notice?: string }
  | { status: 'signed-in'; user: User; tenant: Tenant };

export interface AuthContextValue {
  state: AuthState;
  api: ApiClient;
  signup(body: SignupRequest): Promise<Session>;
  login(body: LoginRequest): Promise<Session>;
  acceptInvitation(token: string, password: string): Promise<Session>;
  logout(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);

/**
 * Owns the signed-in state for the whole app. On first load it resumes a session from the stored
 * refresh token; afterwards it follows the client, which reports sign-in, refresh and expiry.
 */
export function AuthProvider({ api, children }: { api: ApiClient; children: ReactNode }) {
  const [state, setState] = useState<AuthState>(() =>
    api.hasAccessToken || api.refreshToken ? { status: 'loading' } : { status: 'anonymous' },
  );

  useEffect(() => {
    const unsubscribe = api.onSessionChange((session, reason) => {
      if (session) {
        setState({ status: 'signed-in', user: session.user, tenant: session.tenant });
      } else {
        setState({
          status: 'anonymous',
          notice: reason === 'expired' ? 'Your session has ended. Please sign in again.' : undefined,
        });
      }
    });

    // Resume after a reload: the access token was only in memory, the refresh token survived.
    // refresh() is single-flight, so a double-run effect (StrictMode) still sends one request.
    let cancelled = false;
    if (!api.hasAccessToken && api.refreshToken) {
      api.refresh().catch((err: unknown) => {
        // The client already reported the end of the session; say why when it was not the token.
        if (cancelled) return;
        if (err instanceof ApiError && (err.status === 0 || err.status >= 500)) {
          setState({ status: 'anonymous', notice: err.userMessage });
        } else if (!(err instanceof ApiError)) {
          setState({ status: 'anonymous', notice: 'Could not restore your session. Please sign in.' });
        }
      });
    }
    return () => {
      cancelled = true;
      unsubscribe();
    };
  }, [api]);

  const value = useMemo<AuthContextValue>(
    () => ({
      state,
      api,
      signup: (body) => api.signup(body),
      login: (body) => api.login(body),
      acceptInvitation: (token, password) => api.acceptInvitation(token, password),
      logout: () => api.logout(),
    }),
    [state, api],
  );

  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error('useAuth must be used inside <AuthProvider>');
  return ctx;
}

/** For pages that only render inside a guard: the signed-in user and tenant. */
export function useSignedIn(): { user: User; tenant: Tenant; api: ApiClient } {
  const { state, api } = useAuth();
  if (state.status !== 'signed-in') throw new Error('useSignedIn used outside a signed-in route');
  return { user: state.user, tenant: state.tenant, api };
}
