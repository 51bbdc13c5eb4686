import { AppShell, type NavItem } from '../../components/Shell';
import { useSignedIn } from '../../auth/AuthContext';

const NAV: NavItem[] = [
  { to: '/developer', label: 'My plugins', end: true },
  { to: '/developer/publish', label: 'Publish a version' },
];

/** The developer portal; owners and admins reach it too, with a way back to administration. */
export function DeveloperShell() {
  const { user } = useSignedIn();
  const admin = user.role === 'owner' || user.role === 'admin';
  return <AppShell shell="developer" nav={admin ? [...NAV, { to: '/admin/plugins', label: 'Administration' }] : NAV} />;
}
