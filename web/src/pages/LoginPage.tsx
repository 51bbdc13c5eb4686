import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Link, Navigate, useLocation, useNavigate } from 'react-router-dom';
import { ApiError } from '../api/client';
import { formErrors, NO_ERRORS, type FormErrors } from '../api/errors';
import { useAuth } from '../auth/AuthContext';
import { homeForRole, landingPath } from '../auth/roles';
import { Banner, Field, SubmitButton } from '../components/ui';
import { AuthLayout } from './AuthLayout';

const FIELDS = ['email', 'password', 'tenant'] as const;

/** Where the guard wanted to go before sending the user here (state) or ?next=. */
function requestedPath(location: ReturnType<typeof useLocation>): string | null {
  const fromState = (location.state as { from?: unknown } | null)?.from;
  if (typeof fromState === 'string') return fromState;
  return new URLSearchParams(location.search).get('next');
}

export function LoginPage() {
  const { state, login } = useAuth();
  const navigate = useNavigate();
  const location = useLocation();

  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [tenant, setTenant] = useState(() => new URLSearchParams(location.search).get('tenant') ?? '');
  const [showTenant, setShowTenant] = useState(() => new URLSearchParams(location.search).has('tenant'));
  const [tenantRequired, setTenantRequired] = useState(false);
  const [busy, setBusy] = useState(false);
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const tenantInput = useRef<HTMLInputElement>(null);

  useEffect(() => {
    if (tenantRequired) tenantInput.current?.focus();
  }, [tenantRequired]);

  if (state.status === 'signed-in' && !busy) {
    return <Navigate to={homeForRole(state.user.role)} replace />;
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setErrors(NO_ERRORS);
    const slug = tenant.trim();
    if (tenantRequired && !slug) {
      setErrors({ fields: { tenant: 'Enter the company ID to continue.' }, banner: null });
      tenantInput.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const session = await login({
        email: email.trim(),
        password,
        tenant: showTenant && slug ? slug : undefined,
      });
      navigate(landingPath(session.user.role, requestedPath(location)), { replace: true });
    } catch (err) {
      setBusy(false);
      if (err instanceof ApiError && err.slug === 'tenant-required') {
        setShowTenant(true);
        setTenantRequired(true);
        setErrors({
          fields: {
            tenant:
              'This e-mail belongs to more than one company. Enter the company ID (for example "acme") to choose one.',
          },
          banner: null,
        });
        return;
      }
      // A problem about the company ID brings the field up so the message has a place to go.
      if (err instanceof ApiError && err.field === 'tenant') setShowTenant(true);
      setErrors(formErrors(err, FIELDS));
    }
  }

  const notice = state.status === 'anonymous' ? state.notice : undefined;

  return (
    <AuthLayout
      title="Sign in"
      subtitle="Welcome back to Kefu."
      footer={
        <>
          New to Kefu? <Link to="/signup">Create a company account</Link>
        </>
      }
    >
      {notice ? <Banner kind="info" testId="login-notice">{notice}</Banner> : null}
      {errors.banner ? <Banner testId="form-error">{errors.banner}</Banner> : null}
      <form onSubmit={onSubmit} aria-label="Sign in" data-testid="login-form">
        <Field
          label="E-mail"
          name="email"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.target.value)}
          error={errors.fields.email}
          disabled={busy}
          autoFocus
        />
        <Field
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          error={errors.fields.password}
          disabled={busy}
        />
        {showTenant ? (
          <Field
            ref={tenantInput}
            label="Company ID (slug)"
            name="tenant"
            autoComplete="organization"
            autoCapitalize="none"
            spellCheck={false}
            required={tenantRequired}
            value={tenant}
            onChange={(e) => setTenant(e.target.value)}
            error={errors.fields.tenant}
            hint={tenantRequired ? undefined : 'Only needed when your e-mail is used in more than one company.'}
            disabled={busy}
          />
        ) : null}
        <SubmitButton busy={busy} busyLabel="Signing in…" data-testid="login-submit">
          Sign in
        </SubmitButton>
        {!tenantRequired ? (
          <button
            type="button"
            className="btn-link toggle-tenant"
            aria-expanded={showTenant}
            data-testid="toggle-tenant"
            onClick={() => setShowTenant((v) => !v)}
            disabled={busy}
          >
            {showTenant ? 'Sign in without a company ID' : 'Sign in to a specific company'}
          </button>
        ) : null}
      </form>
    </AuthLayout>
  );
}
