import type { Role } from '../api/types';

/** The four shells of the app; owner and admin share the admin shell. */
export type Shell = 'admin' | 'supervisor' | 'agent' | 'developer';

const SHELL_OF_ROLE: Record<Role, Shell> = {
  owner: 'admin',
  admin: 'admin',
  supervisor: 'supervisor',
  agent: 'agent',
  developer: 'developer',
};

export function shellForRole(role: Role): Shell {
  return SHELL_OF_ROLE[role];
}

/** Where a user lands after signing in. */
export function homeForRole(role: Role): string {
  return `/${shellForRole(role)}`;
}

/** A role's own shell; owners and admins may also open the developer portal (they publish too). */
export function canUseShell(role: Role, shell: Shell): boolean {
  return shellForRole(role) === shell || (shell === 'developer' && (role === 'owner' || role === 'admin'));
}

/**
 * After sign-in, go back to the page the user originally asked for if it belongs to a shell they
 * may use; anything else (another role's shell, the login page, another origin) goes home.
 */
export function landingPath(role: Role, requested: string | null | undefined): string {
  const home = homeForRole(role);
  if (!requested || !requested.startsWith('/') || requested.startsWith('//')) return home;
  const path = requested.split(/[?#]/)[0] ?? '';
  const shells: Shell[] = ['admin', 'supervisor', 'agent', 'developer'];
  const inShell = shells.some((s) => canUseShell(role, s) && (path === `/${s}` || path.startsWith(`/${s}/`)));
  return inShell ? requested : home;
}

export const ROLE_LABELS: Record<Role, string> = {
  owner: 'Owner',
  admin: 'Admin',
  supervisor: 'Supervisor',
  agent: 'Agent',
  developer: 'Developer',
};

/** Roles an admin can give by invitation or role change (ownership is not handed out here). */
export const ASSIGNABLE_ROLES: readonly Role[] = ['admin', 'supervisor', 'agent', 'developer'];
