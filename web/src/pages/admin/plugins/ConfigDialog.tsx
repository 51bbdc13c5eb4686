import { useMemo, useRef, useState, type FormEvent } from 'react';
import { ApiError } from '../../../api/client';
import { problemFields, readable } from '../../../api/fieldPaths';
import { pluginsApi, type Installation, type PluginVersion } from '../../../api/plugins';
import { useSignedIn } from '../../../auth/AuthContext';
import { Dialog } from '../../../components/Dialog';
import { ConfigFields } from '../../../components/plugins/ConfigFields';
import { ErrorSummary, focusFirstInvalid, TextInput } from '../../../components/form';
import { Banner, SubmitButton } from '../../../components/ui';
import { buildConfig, configForm, errorKey, initialValues, RAW_KEY, type ConfigForm } from '../../../plugins/configSchema';

interface Placed {
  fields: Record<string, string>;
  secrets: Record<string, string>;
  banner: string | null;
}

/**
 * Places a refused install or reconfigure: each path of a 422's `errors` next to its input
 * (`config.menu.start` under "menu", `secrets.token` under that secret); in the JSON editor all
 * of them, with their paths; what no input shows goes to the banner.
 */
export function placeConfigErrors(err: unknown, form: ConfigForm, secretKeys: readonly string[]): Placed {
  const placed: Placed = { fields: {}, secrets: {}, banner: null };
  if (!(err instanceof ApiError)) {
    placed.banner = `Something went wrong: ${err instanceof Error ? err.message : String(err)}`;
    return placed;
  }
  const keys = new Set(form.fields.map((f) => f.key));
  const raw: string[] = [];
  const other: string[] = [];
  for (const { field, message } of problemFields(err.problem)) {
    const text = readable(message);
    const key = errorKey(field);
    if (field.startsWith('secrets') && key && secretKeys.includes(key)) placed.secrets[key] ??= text;
    else if (!field.startsWith('secrets') && !form.generated && field.startsWith('config')) raw.push(field === 'config' ? text : `${field}: ${text}`);
    else if (!field.startsWith('secrets') && key && keys.has(key)) placed.fields[key] ??= text;
    else other.push(`${field}: ${text}`);
  }
  if (raw.length) placed.fields[RAW_KEY] = raw.join('\n');
  if (other.length) placed.banner = other.join('; ');
  else if (!raw.length && !Object.keys(placed.fields).length && !Object.keys(placed.secrets).length) {
    placed.banner = readable(err.userMessage);
  }
  return placed;
}

/** Install a version with its configuration, or change an installation's configuration. */
export function ConfigDialog({
  version,
  installation,
  onDone,
  onClose,
}: {
  /** The version whose manifest describes the settings. */
  version: PluginVersion;
  /** Present when reconfiguring. */
  installation?: Installation;
  onDone(installed: Installation): void;
  onClose(): void;
}) {
  const { api } = useSignedIn();
  const form = useMemo(() => configForm(version.manifest), [version]);
  const [values, setValues] = useState(() => initialValues(form, installation?.config));
  const set = new Set(installation?.secret_keys ?? []);
  const secretKeys = [...new Set([...form.secrets.map((s) => s.key), ...set])];
  const [secrets, setSecrets] = useState<Record<string, string>>({});
  const [removed, setRemoved] = useState<Set<string>>(new Set());
  const [errors, setErrors] = useState<Placed>({ fields: {}, secrets: {}, banner: null });
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const label = (key: string) => form.secrets.find((s) => s.key === key)?.label ?? key;

  function refuse(placed: Placed) {
    setErrors(placed);
    requestAnimationFrame(() => focusFirstInvalid(formRef.current));
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    const built = buildConfig(form, values, installation?.config);
    const body: Record<string, string | null> = {};
    for (const key of secretKeys) {
      if (removed.has(key)) body[key] = null;
      else if (secrets[key]) body[key] = secrets[key]!;
    }
    if (Object.keys(built.errors).length) {
      refuse({ fields: built.errors, secrets: {}, banner: null });
      return;
    }
    setBusy(true);
    setErrors({ fields: {}, secrets: {}, banner: null });
    const hasSecrets = Object.keys(body).length > 0;
    try {
      const done = installation
        ? await pluginsApi.changeInstallation(api, installation.id, { config: built.config, ...(hasSecrets ? { secrets: body } : {}) })
        : await pluginsApi.install(api, {
            publisher: version.publisher,
            name: version.name,
            version: version.version,
            config: built.config,
            ...(hasSecrets ? { secrets: body as Record<string, string> } : {}),
          });
      onDone(done);
    } catch (err) {
      refuse(placeConfigErrors(err, form, secretKeys));
    } finally {
      setBusy(false);
    }
  }

  const title = installation ? `Configure ${version.name}` : `Install ${version.name}@${version.version}`;
  return (
    <Dialog title={title} onClose={onClose} testId="config-dialog" wide>
      {errors.banner ? <Banner testId="config-error">{errors.banner}</Banner> : null}
      <ErrorSummary errors={{ ...errors.fields, ...errors.secrets }} testId="config-summary" />
      <form ref={formRef} onSubmit={submit} noValidate aria-label={title} data-testid="config-form">
        <ConfigFields
          form={form}
          values={values}
          errors={errors.fields}
          disabled={busy}
          onChange={(key, v) => setValues((old) => ({ ...old, [key]: v }))}
        />
        {secretKeys.length ? <h3 className="subheading">Secrets</h3> : null}
        {secretKeys.map((key) => (
          <div key={key}>
            <TextInput
              label={`${label(key)}${set.has(key) ? ' (set; leave empty to keep)' : ''}`}
              path={`secrets.${key}`}
              type="password"
              autoComplete="new-password"
              value={secrets[key] ?? ''}
              onChange={(v) => setSecrets((s) => ({ ...s, [key]: v }))}
              error={errors.secrets[key]}
              hint={form.secrets.some((s) => s.key === key) ? undefined : 'No longer declared by this version: you can only remove it.'}
              disabled={busy || removed.has(key)}
            />
            {set.has(key) ? (
              <label className="checkbox">
                <input
                  type="checkbox"
                  checked={removed.has(key)}
                  onChange={(e) =>
                    setRemoved((r) => {
                      const next = new Set(r);
                      if (e.target.checked) next.add(key);
                      else next.delete(key);
                      return next;
                    })
                  }
                  data-testid={`remove-secret-${key}`}
                />
                <span className="checkbox-text">Remove this secret</span>
              </label>
            ) : null}
          </div>
        ))}
        <div className="form-actions">
          <SubmitButton busy={busy} busyLabel="Saving…" data-testid="config-save">
            {installation ? 'Save configuration' : 'Install'}
          </SubmitButton>
          <button type="button" className="btn btn-secondary" onClick={onClose} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
