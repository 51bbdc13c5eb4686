import type { Role, User } from '../api/types';
import { ASSIGNABLE_ROLES, ROLE_LABELS } from '../auth/roles';
import { formatDateTime } from '../format';
import { Spinner } from './ui';

export interface UsersTableActions {
  currentUserId: string;
  busyIds: ReadonlySet<string>;
  onChangeRole(user: User, role: Role): void;
  onSetDisabled(user: User, disabled: boolean): void;
  /** Offered for users who have not accepted their invitation yet. */
  onResendInvitation?(user: User): void;
}

const STATUS_LABELS: Record<User['status'], string> = {
  active: 'Active',
  invited: 'Invited',
  disabled: 'Disabled',
};

/** The list of a company's users; editable when `actions` is given, read-only otherwise. */
export function UsersTable({ users, actions }: { users: User[]; actions?: UsersTableActions }) {
  if (users.length === 0) {
    return <p className="empty">No users yet.</p>;
  }
  return (
    <div className="table-wrap">
      <table className="table" data-testid="users-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">E-mail</th>
            <th scope="col">Role</th>
            <th scope="col">Status</th>
            <th scope="col">Added</th>
            {actions ? <th scope="col"><span className="visually-hidden">Actions</span></th> : null}
          </tr>
        </thead>
        <tbody>
          {users.map((u) => {
            const self = actions?.currentUserId === u.id;
            // The owner's role and the signed-in user's own account are not edited from here:
            // that is how a company locks itself out. The server has the final word either way.
            const editable = !!actions && !self && u.role !== 'owner';
            const busy = actions?.busyIds.has(u.id) ?? false;
            return (
              <tr key={u.id} data-testid={`user-row-${u.email}`} className={u.status === 'disabled' ? 'row-muted' : undefined}>
                <td>
                  <span className="cell-strong">{u.name || '—'}</span>
                  {self ? <span className="tag">you</span> : null}
                </td>
                <td>{u.email}</td>
                <td>
                  {editable ? (
                    <select
                      aria-label={`Role of ${u.email}`}
                      value={u.role}
                      disabled={busy}
                      onChange={(e) => actions!.onChangeRole(u, e.target.value as Role)}
                    >
                      {ASSIGNABLE_ROLES.map((r) => (
                        <option key={r} value={r}>
                          {ROLE_LABELS[r]}
                        </option>
                      ))}
                    </select>
                  ) : (
                    <span className={`role-badge role-${u.role}`}>{ROLE_LABELS[u.role] ?? u.role}</span>
                  )}
                </td>
                <td>
                  <span className={`status status-${u.status}`}>{STATUS_LABELS[u.status] ?? u.status}</span>
                </td>
                <td className="cell-muted">{formatDateTime(u.created_at)}</td>
                {actions ? (
                  <td className="cell-actions">
                    {busy ? <Spinner label={`Saving ${u.email}`} /> : null}
                    {editable ? (
                      <button
                        type="button"
                        className="btn btn-small btn-secondary"
                        disabled={busy}
                        aria-label={`${u.status === 'disabled' ? 'Enable' : 'Disable'} ${u.email}`}
                        onClick={() => actions.onSetDisabled(u, u.status !== 'disabled')}
                      >
                        {u.status === 'disabled' ? 'Enable' : 'Disable'}
                      </button>
                    ) : null}
                    {editable && u.status === 'invited' && actions.onResendInvitation ? (
                      <button
                        type="button"
                        className="btn btn-small btn-secondary"
                        disabled={busy}
                        aria-label={`Resend invitation to ${u.email}`}
                        onClick={() => actions.onResendInvitation?.(u)}
                      >
                        Resend invitation
                      </button>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
