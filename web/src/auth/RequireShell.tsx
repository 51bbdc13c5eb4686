import type { ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { useAuth } from './AuthContext';
import { canUseShell, homeForRole, type Shell } from './roles';
import { Spinner } from '../components/ui';

export function FullPageSpinner() {
  return (
    <div className="full-page-spinner" data-testid="app-loading">
      <Spinner label="Loading Kefu" />
    </div>
  );
}

/**
 * Lets through only users whose role owns this shell. Anonymous users go to sign-in (and come
 * back here afterwards); users of another role go to their own shell.
 */
export function RequireShell({ shell, children }: { shell: Shell; children: ReactNode }) {
  const { state } = useAuth();
  const location = useLocation();
  if (state.status === 'loading') return <FullPageSpinner />;
  if (state.status === 'anonymous') {
    return <Navigate to="/login" replace state={{ from: location.pathname + location.search }} />;
  }
  if (!canUseShell(state.user.role, shell)) {
    return <Navigate to={homeForRole(state.user.role)} replace />;
  }
  return <>{children}</>;
}

/** `/`: home for a signed-in user, else sign-in. */
export function RootRedirect() {
  const { state } = useAuth();
  if (state.status === 'loading') return <FullPageSpinner />;
  if (state.status === 'signed-in') return <Navigate to={homeForRole(state.user.role)} replace />;
  return <Navigate to="/login" replace />;
}
