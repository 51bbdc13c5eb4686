import { useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate } from 'react-router-dom';
import { formErrors, NO_ERRORS, type FormErrors } from '../api/errors';
import { useAuth } from '../auth/AuthContext';
import { passwordHints, passwordProblem, useStrength } from '../auth/password';
import { homeForRole } from '../auth/roles';
import { Banner, Field, PasswordHints, SubmitButton } from '../components/ui';
import { AuthLayout } from './AuthLayout';

const FIELDS = ['company', 'name', 'email', 'password'] as const;

export function SignupPage() {
  const { state, signup } = useAuth();
  const navigate = useNavigate();
  const [company, setCompany] = useState('');
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const strength = useStrength();

  if (state.status === 'signed-in' && !busy) {
    return <Navigate to={homeForRole(state.user.role)} replace />;
  }

  // The same words the server gives its estimator (see auth/strength).
  const personal = { email, name, company };
  const hints = passwordHints(password, personal, strength);

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setErrors(NO_ERRORS);
    const problem = await passwordProblem(password, personal);
    if (problem) {
      setErrors({ fields: { password: problem }, banner: null });
      return;
    }
    setBusy(true);
    try {
      const session = await signup({
        company: company.trim(),
        name: name.trim(),
        email: email.trim(),
        password,
      });
      navigate(homeForRole(session.user.role), { replace: true });
    } catch (err) {
      setBusy(false);
      setErrors(formErrors(err, FIELDS));
    }
  }

  return (
    <AuthLayout
      title="Create your contact center"
      subtitle="Sign up your company. You will be its owner and can invite your team next."
      footer={
        <>
          Already have an account? <Link to="/login">Sign in</Link>
        </>
      }
    >
      {errors.banner ? <Banner testId="form-error">{errors.banner}</Banner> : null}
      <form onSubmit={onSubmit} aria-label="Sign up" data-testid="signup-form">
        <Field
          label="Company name"
          name="company"
          autoComplete="organization"
          required
          value={company}
          onChange={(e) => setCompany(e.target.value)}
          error={errors.fields.company}
          disabled={busy}
          autoFocus
        />
        <Field
          label="Your name"
          name="name"
          autoComplete="name"
          required
          value={name}
          onChange={(e) => setName(e.target.value)}
          error={errors.fields.name}
          disabled={busy}
        />
        <Field
          label="E-mail"
          name="email"
          type="email"
          autoComplete="email"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.fields.email}
          disabled={busy}
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="new-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.fields.password}
          hint={<PasswordHints hints={hints} />}
          disabled={busy}
        />
        <SubmitButton busy={busy} busyLabel="Creating your account…" data-testid="signup-submit">
          Create account
        </SubmitButton>
      </form>
    </AuthLayout>
  );
}
