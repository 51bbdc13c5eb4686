import { useEffect, useRef, useState, type FormEvent } from 'react';
import { NO_PLACED_ERRORS, placeErrors, type PlacedErrors } from '../../../api/fieldPaths';
import { pluginsApi, type LimitValues, type PluginLimits } from '../../../api/plugins';
import { useSignedIn } from '../../../auth/AuthContext';
import { ErrorSummary, focusFirstInvalid, NumberInput } from '../../../components/form';
import { Banner, SubmitButton } from '../../../components/ui';
import { LoadError, Loading } from '../routing/common';
import { useLoad } from '../routing/useLoad';

const LIMITS: { key: keyof LimitValues; label: string; unit: string; hint: string }[] = [
  { key: 'cpu_ms', label: 'CPU time per invocation', unit: 'ms', hint: 'A plugin computing longer is stopped (trapped).' },
  { key: 'wall_ms', label: 'Wall-clock time per invocation', unit: 'ms', hint: 'Including waiting for HTTP and other host calls.' },
  { key: 'memory_mib', label: 'Memory per instance', unit: 'MiB', hint: 'Growing memory past this traps the plugin.' },
  { key: 'max_output_kib', label: 'Largest result', unit: 'KiB', hint: 'A larger result is rejected.' },
];

type Texts = Record<keyof LimitValues, string>;

function texts(l: LimitValues): Texts {
  return { cpu_ms: String(l.cpu_ms), wall_ms: String(l.wall_ms), memory_mib: String(l.memory_mib), max_output_kib: String(l.max_output_kib) };
}

/** The company's plugin limits, within the host-wide maxima. */
export function LimitsPage() {
  const { api } = useSignedIn();
  const { data, setData, error, loading, reload } = useLoad(pluginsApi.getLimits);
  const [values, setValues] = useState<Texts | null>(null);
  const [errors, setErrors] = useState<PlacedErrors>(NO_PLACED_ERRORS);
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);

  useEffect(() => {
    if (data) setValues(texts(data.limits));
  }, [data]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!values) return;
    setSaved(false);
    const fields: Record<string, string> = {};
    const body = {} as LimitValues;
    for (const { key } of LIMITS) {
      const t = values[key].trim();
      if (!/^\d+$/.test(t) || Number(t) < 1) fields[key] = 'Enter a whole number of at least 1';
      else body[key] = Number(t);
    }
    if (Object.keys(fields).length) {
      setErrors({ fields, banner: null });
      requestAnimationFrame(() => focusFirstInvalid(formRef.current));
      return;
    }
    setBusy(true);
    setErrors(NO_PLACED_ERRORS);
    try {
      const next: PluginLimits = await pluginsApi.setLimits(api, body);
      setData(next);
      setSaved(true);
    } catch (err) {
      setErrors(placeErrors(err, (p) => LIMITS.some((l) => l.key === p)));
      requestAnimationFrame(() => focusFirstInvalid(formRef.current));
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="page" data-testid="page-plugin-limits">
      <div className="page-header">
        <div>
          <h1>Plugin limits</h1>
          <p className="page-subtitle">What one plugin invocation may use in your company. Each limit is capped by the platform.</p>
        </div>
      </div>
      {error ? <LoadError what="the limits" error={error} onRetry={() => void reload()} testId="limits-load-error" /> : null}
      {loading && !data ? <Loading what="the limits" /> : null}
      {values ? (
        <section className="panel">
          {saved ? <Banner kind="success" testId="limits-saved">Limits saved; new invocations use them.</Banner> : null}
          {errors.banner ? <Banner testId="limits-error">{errors.banner}</Banner> : null}
          <ErrorSummary errors={errors.fields} testId="limits-summary" />
          <form ref={formRef} onSubmit={submit} noValidate aria-label="Plugin limits" data-testid="limits-form">
            <div className="form-grid">
              {LIMITS.map((l) => {
                const max = data?.max[l.key];
                const def = data?.defaults[l.key];
                return (
                  <NumberInput
                    key={l.key}
                    label={l.label}
                    path={l.key}
                    unit={l.unit}
                    min={1}
                    max={max}
                    value={values[l.key]}
                    onChange={(v) => setValues((old) => old && { ...old, [l.key]: v })}
                    error={errors.fields[l.key]}
                    disabled={busy}
                    hint={`${l.hint} Default ${def} ${l.unit}, at most ${max} ${l.unit}.`}
                  />
                );
              })}
            </div>
            <div className="form-actions">
              <SubmitButton busy={busy} busyLabel="Saving…" data-testid="limits-save">
                Save limits
              </SubmitButton>
              <button
                type="button"
                className="btn btn-secondary"
                disabled={busy || !data}
                onClick={() => data && setValues(texts(data.defaults))}
                data-testid="limits-defaults"
              >
                Fill in the defaults
              </button>
            </div>
          </form>
        </section>
      ) : null}
    </div>
  );
}
