import { AppShell, type NavItem } from '../../components/Shell';
import { Placeholder } from '../../components/ui';

const NAV: NavItem[] = [
  { to: '/admin/users', label: 'Users' },
  { to: '/admin/numbers', label: 'Numbers' },
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

export function NumbersPage() {
  return (
    <div className="page">
      <div className="page-header"><h1>Numbers</h1></div>
      <Placeholder title="Phone numbers and trunks" testId="placeholder-numbers">
        <p>Connect your SIP trunks and point your phone numbers (DIDs) at an IVR or a queue.</p>
        <p className="muted">Coming in a later release.</p>
      </Placeholder>
    </div>
  );
}
