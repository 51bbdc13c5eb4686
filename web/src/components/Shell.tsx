import { useState, type ReactNode } from 'react';
import { NavLink, Outlet, useNavigate } from 'react-router-dom';
import { useSignedIn, useAuth } from '../auth/AuthContext';
import { ROLE_LABELS, type Shell } from '../auth/roles';
import type { Role } from '../api/types';
import { Spinner } from './ui';

export interface NavItem {
  to: string;
  label: string;
  end?: boolean;
  /** `data-testid` when the label is translated (defaults to `nav-<label>`). */
  testId?: string;
}

const SHELL_TITLES: Record<Shell, string> = {
  admin: 'Administration',
  supervisor: 'Supervisor',
  agent: 'Agent desktop',
  developer: 'Developer portal',
};

/** The frame's own words, for shells that speak another language than English. */
export interface ShellText {
  title: string;
  signOut: string;
  signingOut: string;
  roles: Record<Role, string>;
}

/** The frame around every signed-in page: top bar with who is signed in, side navigation. */
export function AppShell({
  shell,
  nav,
  children,
  text,
}: {
  shell: Shell;
  nav: NavItem[];
  children?: ReactNode;
  text?: ShellText;
}) {
  const { user, tenant } = useSignedIn();
  const { logout } = useAuth();
  const navigate = useNavigate();
  const [signingOut, setSigningOut] = useState(false);

  async function signOut() {
    setSigningOut(true);
    await logout();
    navigate('/login', { replace: true });
  }

  return (
    <div className={`shell shell-${shell}`} data-testid={`shell-${shell}`}>
      <header className="topbar">
        <div className="topbar-left">
          <span className="brand-mark" aria-hidden="true">K</span>
          <span className="brand-name">Kefu</span>
          <span className="topbar-divider" aria-hidden="true" />
          <span className="shell-title">{text?.title ?? SHELL_TITLES[shell]}</span>
        </div>
        <div className="topbar-right">
          <div className="company" title={`Company ID: ${tenant.slug}`}>
            <span className="company-name" data-testid="current-company">{tenant.name}</span>
            <span className="company-slug" data-testid="current-company-slug">{tenant.slug}</span>
          </div>
          <div className="who" aria-label="Signed-in user">
            <span className="avatar" aria-hidden="true">{initials(user.name || user.email)}</span>
            <span className="who-text">
              <span className="who-name" data-testid="current-user-name">{user.name || user.email}</span>
              <span className="who-email">{user.email}</span>
            </span>
            <span className={`role-badge role-${user.role}`} data-testid="current-user-role">
              {(text?.roles ?? ROLE_LABELS)[user.role]}
            </span>
          </div>
          <button
            type="button"
            className="btn btn-secondary"
            onClick={signOut}
            disabled={signingOut}
            aria-busy={signingOut}
            data-testid="sign-out"
          >
            {signingOut ? <Spinner label={text?.signingOut ?? 'Signing out'} /> : null}
            <span>{text?.signOut ?? 'Sign out'}</span>
          </button>
        </div>
      </header>
      <div className="shell-body">
        <nav className="sidenav" aria-label="Main">
          <ul>
            {nav.map((item) => (
              <li key={item.to}>
                <NavLink to={item.to} end={item.end} data-testid={item.testId ?? `nav-${item.label.toLowerCase().replace(/\s+/g, '-')}`}>
                  {item.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main className="content">{children ?? <Outlet />}</main>
      </div>
    </div>
  );
}

function initials(name: string): string {
  const parts = name.trim().split(/\s+/).filter(Boolean);
  const letters = parts.length >= 2 ? [parts[0]![0], parts[parts.length - 1]![0]] : [name.trim()[0] ?? '?'];
  return letters.join('').toUpperCase();
}
