import { AppShell, type NavItem } from '../../components/Shell';
import { Banner, Spinner } from '../../components/ui';
import { UsersTable } from '../../components/UsersTable';
import { useUsers } from '../useUsers';

const NAV: NavItem[] = [
  { to: '/supervisor', label: 'Wallboard', end: true },
  { to: '/supervisor/users', label: 'Team' },
];

export function SupervisorShell() {
  return <AppShell shell="supervisor" nav={NAV} />;
}

const TILES = [
  { label: 'Calls waiting', hint: 'across all queues' },
  { label: 'Longest wait', hint: 'oldest call in queue' },
  { label: 'Agents ready', hint: 'available for calls' },
  { label: 'Agents on calls', hint: 'talking or wrapping up' },
  { label: 'Service level', hint: 'answered within target' },
  { label: 'Abandoned today', hint: 'callers who hung up' },
];

export function WallboardPage() {
  return (
    <div className="page" data-testid="page-wallboard">
      <div className="page-header">
        <div>
          <h1>Wallboard</h1>
          <p className="page-subtitle">Live queue and agent figures will appear here.</p>
        </div>
      </div>
      <div className="tiles" aria-label="Wallboard (not live yet)">
        {TILES.map((t) => (
          <div className="tile" key={t.label}>
            <div className="tile-label">{t.label}</div>
            <div className="tile-value" aria-label="no data yet">—</div>
            <div className="tile-hint">{t.hint}</div>
          </div>
        ))}
      </div>
      <p className="muted">Live figures arrive with call routing in a later release.</p>
    </div>
  );
}

export function TeamPage() {
  const { users, error, loading, reload } = useUsers();
  return (
    <div className="page" data-testid="page-team">
      <div className="page-header">
        <div>
          <h1>Team</h1>
          <p className="page-subtitle">The people in your company. Ask an administrator to make changes.</p>
        </div>
        <button type="button" className="btn btn-secondary" onClick={() => void reload()} disabled={loading}>
          Refresh
        </button>
      </div>
      <section className="panel">
        {error ? <Banner testId="users-load-error">Could not load users: {error}</Banner> : null}
        {loading && !users ? (
          <div className="loading-row">
            <Spinner label="Loading users" /> Loading users…
          </div>
        ) : users ? (
          <UsersTable users={users} />
        ) : null}
      </section>
    </div>
  );
}
