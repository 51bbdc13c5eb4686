import type { ReactNode } from 'react';

/** The centred card used by sign-up, login and accept-invitation. */
export function AuthLayout({ title, subtitle, children, footer }: {
  title: string;
  subtitle?: ReactNode;
  children: ReactNode;
  footer?: ReactNode;
}) {
  return (
    <div className="auth-page">
      <div className="auth-brand">
        <span className="brand-mark" aria-hidden="true">K</span>
        <span className="brand-name">Kefu</span>
      </div>
      <main className="auth-card">
        <h1>{title}</h1>
        {subtitle ? <p className="auth-subtitle">{subtitle}</p> : null}
        {children}
      </main>
      {footer ? <div className="auth-footer">{footer}</div> : null}
    </div>
  );
}
