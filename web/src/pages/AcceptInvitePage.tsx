import { useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router-dom';
import { formErrors, NO_ERRORS, type FormErrors } from '../api/errors';
import { useAuth } from '../auth/AuthContext';
import { passwordHints, passwordProblem, useStrength } from '../auth/password';
import { homeForRole } from '../auth/roles';
import { Banner, Field, PasswordHints, SubmitButton } from '../components/ui';
import { AuthLayout } from './AuthLayout';

const FIELDS = ['password'] as const;

export function AcceptInvitePage() {
  const { acceptInvitation } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const token = params.get('token') ?? '';
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);

  const strength = useStrength();
  // The invited user's details are not known here (nor to the server's check): no context.
  const hints = passwordHints(password, {}, strength);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setErrors(NO_ERRORS);
    const problem = await passwordProblem(password);
    if (problem) {
      setErrors({ fields: { password: problem }, banner: null });
      return;
    }
    if (password !== confirm) {
      setErrors({ fields: { confirm: 'The two passwords differ.' }, banner: null });
      return;
    }
    setBusy(true);
    try {
      const session = await acceptInvitation(token, password);
      navigate(homeForRole(session.user.role), { replace: true });
    } catch (err) {
      setBusy(false);
      setErrors(formErrors(err, FIELDS));
    }
  }

  if (!token) {
    return (
      <AuthLayout title="Accept invitation">
        <Banner testId="form-error">
          This invitation link is incomplete. Open the full link from your invitation, or ask your
          administrator to send a new one.
        </Banner>
        <p>
          <Link to="/login">Go to sign in</Link>
        </p>
      </AuthLayout>
    );
  }

  return (
    <AuthLayout
      title="Join your team"
      subtitle="You have been invited to Kefu. Choose a password to finish setting up your account."
      footer={
        <>
          Already set up? <Link to="/login">Sign in</Link>
        </>
      }
    >
      {errors.banner ? <Banner testId="form-error">{errors.banner}</Banner> : null}
      <form onSubmit={onSubmit} aria-label="Accept invitation" data-testid="invite-form">
        <Field
          label="New password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.fields.password}
          hint={<PasswordHints hints={hints} />}
          disabled={busy}
          autoFocus
        />
        <Field
          label="Repeat password"
          name="confirm"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(e) => setConfirm(e.target.value)}
          error={errors.fields.confirm}
          disabled={busy}
        />
        <SubmitButton busy={busy} busyLabel="Setting up…" data-testid="invite-submit">
          Set password and sign in
        </SubmitButton>
      </form>
    </AuthLayout>
  );
}
