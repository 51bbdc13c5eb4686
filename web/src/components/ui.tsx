import { useId, type ButtonHTMLAttributes, type InputHTMLAttributes, type ReactNode, type Ref } from 'react';
import type { PasswordHint } from '../auth/password';

export function Spinner({ label = 'Loading' }: { label?: string }) {
  return <span className="spinner" role="status" aria-label={label} />;
}

export function Banner({
  kind = 'error',
  children,
  testId,
}: {
  kind?: 'error' | 'info' | 'success';
  children: ReactNode;
  testId?: string;
}) {
  return (
    <div
      className={`banner banner-${kind}`}
      role={kind === 'error' ? 'alert' : 'status'}
      data-testid={testId ?? `banner-${kind}`}
    >
      {children}
    </div>
  );
}

type FieldProps = Omit<InputHTMLAttributes<HTMLInputElement>, 'id'> & {
  label: string;
  name: string;
  error?: string;
  hint?: ReactNode;
  ref?: Ref<HTMLInputElement>;
};

/** A labelled input with its server error (if any) right under it. */
export function Field({ label, name, error, hint, ref, ...input }: FieldProps) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' field-invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      <input
        ref={ref}
        id={id}
        name={name}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy}
        data-testid={`input-${name}`}
        {...input}
      />
      {hint ? (
        <div id={hintId} className="field-hint">
          {hint}
        </div>
      ) : null}
      {error ? (
        <div id={errorId} className="field-error" role="alert" data-testid={`error-${name}`}>
          {error}
        </div>
      ) : null}
    </div>
  );
}

export function SubmitButton({
  busy,
  children,
  busyLabel,
  ...rest
}: ButtonHTMLAttributes<HTMLButtonElement> & { busy: boolean; busyLabel?: string }) {
  return (
    <button type="submit" className="btn btn-primary" disabled={busy || rest.disabled} aria-busy={busy} {...rest}>
      {busy ? <Spinner label={busyLabel ?? 'Working'} /> : null}
      <span>{busy && busyLabel ? busyLabel : children}</span>
    </button>
  );
}

export function PasswordHints({ hints }: { hints: PasswordHint[] }) {
  return (
    <ul className="password-hints" aria-live="polite" data-testid="password-hints">
      {hints.map((h) => (
        <li
          key={h.id}
          className={h.ok ? 'hint-ok' : h.blocking ? 'hint-missing' : 'hint-advice'}
          data-testid={`password-hint-${h.id}`}
          data-ok={h.ok}
        >
          <span aria-hidden="true">{h.ok ? '✓' : h.blocking ? '•' : '○'}</span> {h.label}
          <span className="visually-hidden">{h.ok ? ' (done)' : ' (not yet)'}</span>
          {h.reason ? (
            <span className="hint-reason" data-testid={`password-hint-${h.id}-reason`}>
              {h.reason}
            </span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

export function Placeholder({ title, children, testId }: { title: string; children: ReactNode; testId?: string }) {
  return (
    <section className="panel panel-placeholder" data-testid={testId}>
      <h2>{title}</h2>
      <div className="placeholder-body">{children}</div>
    </section>
  );
}
