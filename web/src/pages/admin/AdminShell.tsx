import { AppShell, type NavItem } from '../../components/Shell';

const NAV: NavItem[] = [
  { to: '/admin/users', label: 'Users' },
  { to: '/admin/calls', label: 'Calls' },
  { to: '/admin/voicemail', label: 'Voicemail' },
  { to: '/admin/numbers', label: 'Numbers' },
  { to: '/admin/trunks', label: 'Trunks' },
  { to: '/admin/queues', label: 'Queues' },
  { to: '/admin/skills', label: 'Skills' },
  { to: '/admin/agents', label: 'Agents' },
  { to: '/admin/reason-codes', label: 'Reason codes' },
  { to: '/admin/hours', label: 'Business hours' },
  { to: '/admin/plugins', label: 'Plugins' },
  { to: '/admin/plugin-log', label: 'Plugin log' },
  { to: '/admin/plugin-limits', label: 'Plugin limits' },
  { to: '/admin/audit', label: 'Audit log' },
  { to: '/developer', label: 'Developer portal' },
];

export function AdminShell() {
  return <AppShell shell="admin" nav={NAV} />;
}
