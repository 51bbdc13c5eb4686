import { useState, type FormEvent } from 'react';
import { ApiError } from '../../api/client';
import { formErrors, NO_ERRORS, type FormErrors } from '../../api/errors';
import type { Role, User } from '../../api/types';
import { useSignedIn } from '../../auth/AuthContext';
import { ASSIGNABLE_ROLES, ROLE_LABELS } from '../../auth/roles';
import { Banner, Field, Spinner, SubmitButton } from '../../components/ui';
import { UsersTable } from '../../components/UsersTable';
import { formatDateTime } from '../../format';
import { useUsers } from '../useUsers';

export function UsersPage() {
  const { user: me, api } = useSignedIn();
  const { users, setUsers, error, loading, reload } = useUsers();
  const [busyIds, setBusyIds] = useState<ReadonlySet<string>>(new Set());
  const [actionError, setActionError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  async function patch(u: User, change: { role?: Role; disabled?: boolean }, what: string) {
    setActionError(null);
    setBusyIds((s) => new Set(s).add(u.id));
    try {
      const updated = await api.updateUser(u.id, change);
      setUsers((list) => list?.map((x) => (x.id === updated.id ? updated : x)) ?? null);
    } catch (err) {
      const msg = err instanceof ApiError ? err.userMessage : String(err);
      setActionError(`Could not ${what} ${u.email}: ${msg}`);
    } finally {
      setBusyIds((s) => {
        const next = new Set(s);
        next.delete(u.id);
        return next;
      });
    }
  }

  async function resend(u: User) {
    setActionError(null);
    setNotice(null);
    setBusyIds((s) => new Set(s).add(u.id));
    try {
      const invitation = await api.resendInvitation(u.id);
      setNotice(`A new invitation was sent to ${u.email}; the link works until ${formatDateTime(invitation.expires_at)}.`);
    } catch (err) {
      const msg = err instanceof ApiError ? err.userMessage : String(err);
      setActionError(`Could not resend the invitation to ${u.email}: ${msg}`);
    } finally {
      setBusyIds((s) => {
        const next = new Set(s);
        next.delete(u.id);
        return next;
      });
    }
  }

  return (
    <div className="page" data-testid="page-users">
      <div className="page-header">
        <div>
          <h1>Users</h1>
          <p className="page-subtitle">Everyone who can sign in to your company, and what they may do.</p>
        </div>
        <button type="button" className="btn btn-secondary" onClick={() => void reload()} disabled={loading}>
          Refresh
        </button>
      </div>

      <InviteForm onInvited={(u) => setUsers((list) => (list ? [...list.filter((x) => x.id !== u.id), u] : [u]))} />

      <section className="panel">
        <h2>Team</h2>
        {actionError ? <Banner testId="users-action-error">{actionError}</Banner> : null}
        {notice ? (
          <p className="banner banner-success" role="status" data-testid="users-notice">
            {notice}
          </p>
        ) : null}
        {error ? (
          <Banner testId="users-load-error">
            Could not load users: {error}{' '}
            <button type="button" className="btn-link" onClick={() => void reload()}>
              Try again
            </button>
          </Banner>
        ) : null}
        {loading && !users ? (
          <div className="loading-row">
            <Spinner label="Loading users" /> Loading users…
          </div>
        ) : users ? (
          <UsersTable
            users={users}
            actions={{
              currentUserId: me.id,
              busyIds,
              onChangeRole: (u, role) => void patch(u, { role }, 'change the role of'),
              onSetDisabled: (u, disabled) => void patch(u, { disabled }, disabled ? 'disable' : 'enable'),
              onResendInvitation: (u) => void resend(u),
            }}
          />
        ) : null}
      </section>
    </div>
  );
}

const INVITE_FIELDS = ['email', 'name', 'role'] as const;

function InviteForm({ onInvited }: { onInvited(user: User): void }) {
  const { api } = useSignedIn();
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [role, setRole] = useState<Role>('agent');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [done, setDone] = useState<string | null>(null);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setErrors(NO_ERRORS);
    setDone(null);
    setBusy(true);
    try {
      const { user, invitation } = await api.inviteUser({ email: email.trim(), name: name.trim(), role });
      onInvited(user);
      setDone(
        `Invitation created for ${user.email} (${ROLE_LABELS[user.role]}). The invitation link has been sent; it expires ${formatDateTime(invitation.expires_at)}.`,
      );
      setEmail('');
      setName('');
      setRole('agent');
    } catch (err) {
      setErrors(formErrors(err, INVITE_FIELDS));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel">
      <h2>Invite a user</h2>
      {done ? <Banner kind="success" testId="invite-success">{done}</Banner> : null}
      {errors.banner ? <Banner testId="invite-error">{errors.banner}</Banner> : null}
      <form className="form-inline" onSubmit={onSubmit} aria-label="Invite a user" data-testid="invite-user-form">
        <Field
          label="E-mail"
          name="invite-email"
          type="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.fields.email}
          disabled={busy}
        />
        <Field
          label="Name"
          name="invite-name"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.name}
          disabled={busy}
        />
        <div className={`field${errors.fields.role ? ' field-invalid' : ''}`}>
          <label htmlFor="invite-role">Role</label>
          <select
            id="invite-role"
            name="invite-role"
            data-testid="input-invite-role"
            value={role}
            onChange={(e) => setRole(e.target.value as Role)}
            disabled={busy}
          >
            {ASSIGNABLE_ROLES.map((r) => (
              <option key={r} value={r}>
                {ROLE_LABELS[r]}
              </option>
            ))}
          </select>
          {errors.fields.role ? (
            <div className="field-error" role="alert" data-testid="error-invite-role">
              {errors.fields.role}
            </div>
          ) : null}
        </div>
        <div className="form-inline-submit">
          <SubmitButton busy={busy} busyLabel="Sending…" data-testid="invite-submit">
            Send invitation
          </SubmitButton>
        </div>
      </form>
    </section>
  );
}
