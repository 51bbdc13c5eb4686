// Form pieces for the configuration editors. Inputs are named by the API field path they edit
// (`required_skills[1].min_level`): `data-testid="input-<path>"`, and the server's error for that
// path shows underneath as `data-testid="error-<path>"`.

import {
  useId,
  useState,
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  type TextareaHTMLAttributes,
} from 'react';
import { Spinner } from './ui';

interface ControlProps {
  id: string;
  'aria-invalid'?: true;
  'aria-describedby'?: string;
  'data-testid': string;
}

interface ShellProps {
  label: string;
  path: string;
  /** Test id suffix when `path` alone is not unique on the page (two forms with a `name`). */
  testId?: string;
  error?: string;
  hint?: ReactNode;
  /** Label only for screen readers (inputs in table-like rows, under column headings). */
  hideLabel?: boolean;
  className?: string;
  children(control: ControlProps): ReactNode;
}

/** A label, one control, its hint and its error. */
export function FieldShell({ label, path, testId, error, hint, hideLabel, className, children }: ShellProps) {
  const id = useId();
  const errorId = `${id}-error`;
  const hintId = `${id}-hint`;
  const describedBy = [error ? errorId : null, hint ? hintId : null].filter(Boolean).join(' ') || undefined;
  return (
    <div className={['field', error ? 'field-invalid' : '', className ?? ''].filter(Boolean).join(' ')}>
      <label htmlFor={id} className={hideLabel ? 'visually-hidden' : undefined}>
        {label}
      </label>
      {children({
        id,
        'aria-invalid': error ? true : undefined,
        'aria-describedby': describedBy,
        'data-testid': `input-${testId ?? path}`,
      })}
      {hint ? (
        <div id={hintId} className="field-hint">
          {hint}
        </div>
      ) : null}
      {error ? <FieldError id={errorId} path={testId ?? path} message={error} /> : null}
    </div>
  );
}

export function FieldError({ path, message, id }: { path: string; message: string; id?: string }) {
  return (
    <div id={id} className="field-error" role="alert" data-testid={`error-${path}`}>
      {message}
    </div>
  );
}

type Common = Omit<ShellProps, 'children'>;

export function TextInput({
  value,
  onChange,
  ...props
}: Common & { value: string; onChange(value: string): void } & Omit<
    InputHTMLAttributes<HTMLInputElement>,
    'value' | 'onChange' | 'id'
  >) {
  const { label, path, testId, error, hint, hideLabel, className, ...input } = props;
  return (
    <FieldShell label={label} path={path} testId={testId} error={error} hint={hint} hideLabel={hideLabel} className={className}>
      {(control) => <input {...input} {...control} name={path} value={value} onChange={(e) => onChange(e.target.value)} />}
    </FieldShell>
  );
}

/** Several lines of text, such as JSON; monospaced. */
export function TextAreaInput({
  value,
  onChange,
  ...props
}: Common & { value: string; onChange(value: string): void } & Omit<
    TextareaHTMLAttributes<HTMLTextAreaElement>,
    'value' | 'onChange' | 'id'
  >) {
  const { label, path, testId, error, hint, hideLabel, className, ...area } = props;
  return (
    <FieldShell label={label} path={path} testId={testId} error={error} hint={hint} hideLabel={hideLabel} className={className}>
      {(control) => (
        <textarea spellCheck={false} {...area} {...control} name={path} value={value} onChange={(e) => onChange(e.target.value)} />
      )}
    </FieldShell>
  );
}

/** Seconds, shown with a unit; the text is kept as typed and converted on save. */
export function SecondsInput(props: Common & { value: string; onChange(value: string): void; disabled?: boolean; placeholder?: string }) {
  const { value, onChange, disabled, placeholder, ...shell } = props;
  return (
    <FieldShell {...shell}>
      {(control) => (
        <span className="input-unit">
          <input
            {...control}
            name={shell.path}
            inputMode="decimal"
            autoComplete="off"
            value={value}
            placeholder={placeholder}
            disabled={disabled}
            onChange={(e) => onChange(e.target.value)}
          />
          <span className="unit" aria-hidden="true">
            s
          </span>
        </span>
      )}
    </FieldShell>
  );
}

/**
 * A whole number such as a skill level or a priority (1–10). Out-of-range values can be typed
 * and sent: the server's answer names the field and says what it accepts.
 */
export function NumberInput(
  props: Common & { value: string; onChange(value: string): void; min?: number; max?: number; disabled?: boolean; unit?: string },
) {
  const { value, onChange, min, max, disabled, unit, ...shell } = props;
  return (
    <FieldShell {...shell}>
      {(control) => (
        <span className="input-unit">
          <input
            {...control}
            name={shell.path}
            type="number"
            inputMode="numeric"
            step={1}
            min={min}
            max={max}
            value={value}
            disabled={disabled}
            onChange={(e) => onChange(e.target.value)}
            className="input-number"
          />
          {unit ? (
            <span className="unit" aria-hidden="true">
              {unit}
            </span>
          ) : null}
        </span>
      )}
    </FieldShell>
  );
}

export interface Option {
  value: string;
  label: string;
}

export function SelectInput({
  value,
  onChange,
  options,
  placeholder,
  ...props
}: Common & {
  value: string;
  onChange(value: string): void;
  options: readonly Option[];
  /** A first, empty choice ("Choose a skill…"). */
  placeholder?: string;
} & Omit<SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange' | 'id'>) {
  const { label, path, testId, error, hint, hideLabel, className, ...select } = props;
  return (
    <FieldShell label={label} path={path} testId={testId} error={error} hint={hint} hideLabel={hideLabel} className={className}>
      {(control) => (
        <select {...select} {...control} name={path} value={value} onChange={(e) => onChange(e.target.value)}>
          {placeholder !== undefined ? <option value="">{placeholder}</option> : null}
          {options.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      )}
    </FieldShell>
  );
}

/** A checkbox that switches an optional section on or off. */
export function Switch({
  label,
  checked,
  onChange,
  testId,
  hint,
}: {
  label: string;
  checked: boolean;
  onChange(checked: boolean): void;
  testId: string;
  hint?: ReactNode;
}) {
  return (
    <div className="switch">
      <label>
        <input type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} data-testid={testId} />
        <span>{label}</span>
      </label>
      {hint ? <div className="field-hint">{hint}</div> : null}
    </div>
  );
}

/**
 * A delete button that asks first: the first click shows the question with a confirming button
 * and a way back; only the second click calls `onConfirm`.
 */
export function ConfirmDelete({
  question,
  onConfirm,
  busy = false,
  testId,
  label = 'Delete',
  confirmLabel = 'Yes, delete',
  ariaLabel,
}: {
  question: ReactNode;
  onConfirm(): void | Promise<void>;
  busy?: boolean;
  testId: string;
  label?: string;
  /** The confirming button's text. */
  confirmLabel?: string;
  /** Names what the button deletes, when the visible label does not. */
  ariaLabel?: string;
}) {
  const [asking, setAsking] = useState(false);
  if (!asking) {
    return (
      <button
        type="button"
        className="btn btn-secondary btn-small btn-danger-outline"
        onClick={() => setAsking(true)}
        disabled={busy}
        aria-label={ariaLabel}
        data-testid={testId}
      >
        {busy ? <Spinner label="Deleting" /> : null}
        {label}
      </button>
    );
  }
  return (
    <span className="confirm" role="group" aria-label="Confirm deletion" data-testid={`${testId}-confirm`}>
      <span className="confirm-question">{question}</span>
      <button
        type="button"
        className="btn btn-danger btn-small"
        onClick={() => {
          setAsking(false);
          void onConfirm();
        }}
        data-testid={`${testId}-yes`}
      >
        {confirmLabel}
      </button>
      <button type="button" className="btn btn-secondary btn-small" onClick={() => setAsking(false)} data-testid={`${testId}-no`}>
        Cancel
      </button>
    </span>
  );
}

/** Says how many inputs need attention after a refused save. */
export function ErrorSummary({ errors, testId }: { errors: Record<string, string>; testId: string }) {
  const n = Object.keys(errors).length;
  if (n === 0) return null;
  return (
    <div className="banner banner-error" role="alert" data-testid={testId}>
      {n === 1 ? 'One field needs attention' : `${n} fields need attention`}; see the messages next to them.
    </div>
  );
}

/** Moves focus to the first input marked invalid inside `root` (after a refused save). */
export function focusFirstInvalid(root: HTMLElement | null) {
  const el = root?.querySelector<HTMLElement>('[aria-invalid="true"]');
  if (el) {
    el.focus();
    el.scrollIntoView?.({ block: 'center' });
  }
}
